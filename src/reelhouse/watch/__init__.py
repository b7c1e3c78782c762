"""Each person's own library: resume points, played marks and play counts, favourites, ratings,
history; and what they make (Continue Watching, Next Up, unplayed counts)."""
