"""Forecast questions, weighted forecasts and their scores: the analyst's side of a run."""
