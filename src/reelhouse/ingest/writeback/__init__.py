"""Write-back: Kodi NFO files and the chosen artwork saved beside the media (opt-in per
library)."""
