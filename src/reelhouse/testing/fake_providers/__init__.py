"""Fake TMDb v3 and TheTVDB v4 servers for tests, benchmarks and trying reelhouse offline."""
