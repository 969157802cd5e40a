"""Courses of action: levers' options combined, run on common random numbers, and judged.

`courses` turns a scenario's levers into courses and applies one to the scenario's data;
`analysis` computes regret, robustness and the value of information from replications;
`run` evaluates every course into one run directory (docs/decisions.md).
"""
