"""Figures for reports, one function a figure."""
