"""Metadata providers: TMDb, TheTVDB and local Kodi NFO files, behind the metadata protocol."""
