"""From a file on disk to a stored, enriched item: libraries as users manage them, scans as
jobs, units of files, enrichment by each content module, the store and its file links, the
artwork downloads, and manual control (fix a match, refresh, lock fields)."""
