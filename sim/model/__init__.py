"""The model: one module per component, each a SimPy process with the parameters it reads.

`COMPONENTS` is the order processes are started in; the engine needs nothing else.
"""

from sim.model import combat, diplomacy, exercise, offensive

COMPONENTS = (diplomacy, exercise, offensive, combat)

PARAMETERS = {name: spec for component in COMPONENTS for name, spec in component.PARAMETERS.items()}
CALENDAR = {name: meaning for component in COMPONENTS for name, meaning in component.CALENDAR.items()}
