"""The catalogue every content kind shares: its tables, the SQL about them (house rule 3), the
listing requests, the writes of provider records onto items, and the one invalidation path of
catalogue reads (house rule 2)."""
