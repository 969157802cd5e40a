"""Courses of action: levers' options combined, run on common random numbers, and judged.

`courses` turns a scenario's levers into courses (sim/scenario/levers.py applies one);
`criteria` tests each future;
`analysis` computes regret, robustness and the value of information from replications;
`run` evaluates every course into one run directory (docs/decisions.md).
"""
