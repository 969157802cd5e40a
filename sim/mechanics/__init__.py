"""The scenario language's mechanics: from `actors:` in YAML to one replication's run.

- `expressions`: the safe expression language (parse, check names and kinds, compile to closures);
- `compile`: check a scenario's actors and variables and compile them into a `Machine` per hypothesis;
- `interpreter`: run a `Machine` for one replication on SimPy (the reference engine);
- `builtins`: processes that need mathematics (Lanchester combat), started from a transition;
- `lanchester`: the closed-form attrition laws the combat process uses.
"""
