"""Movement catalog, the WOD store, compilation and metadata, search."""
