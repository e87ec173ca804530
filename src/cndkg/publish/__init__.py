"""Stage 7, publish: dumps, dataset description, static site and search index."""
