"""Statistics computed from result tables."""
