"""Evidence: dated observations of model quantities, and how they re-weight a run's replications."""
