"""Reports for people, read from the serving warehouse only."""
