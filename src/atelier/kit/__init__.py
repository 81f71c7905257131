"""Small shared pieces: problem responses, cache, clock."""
