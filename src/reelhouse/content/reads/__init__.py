"""Cached reads of the catalogue: listings and details of every kind, people, search and
artwork, as immutable views that can live in the cache (and be shared across requests)."""
