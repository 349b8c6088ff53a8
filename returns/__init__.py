"""Bureau progress returns (进展填报): fill-in templates from the catalog, the review of returned files,
and the submission calendar. The returned files themselves are an ingest format (progress_return)."""
