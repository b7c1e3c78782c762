"""The metadata framework: provider protocol, shared provider client, merging, enrichment."""
