"""Running batches: chunking, the run directory, and (later) parallel backends."""
