"""The scenario language's mechanics: from `actors:` in YAML to a chunk of replications' runs.

- `expressions`: the safe expression language (parse, check names and kinds, compile to closures);
- `compile`: check a scenario's actors and variables and compile them into a `Machine` per hypothesis;
- `interpreter`: run a `Machine` for one replication on SimPy (the reference engine);
- `vectorised`: run a `Machine` for a whole chunk at once on arrays (the fast engine, same numbers), with
  `array_clocks` (its clocks and their SimPy order), `array_combat` (combat on arrays) and
  `array_expressions` (the expression language evaluated on arrays);
- `keyed`, `draws`: random numbers keyed by (seed, replication, site, occurrence), and their transforms;
- `builtins`: processes that need mathematics (Lanchester combat), started from a transition;
- `lanchester`, `lanchester_arrays`: the closed-form attrition laws the combat process uses, scalar and on arrays.
"""
