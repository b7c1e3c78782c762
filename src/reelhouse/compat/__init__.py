"""APIs of other servers that reelhouse answers, so that their clients work unchanged."""
