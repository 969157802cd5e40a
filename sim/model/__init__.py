"""The model: one module per component, each a SimPy process with the parameters it reads.

`PROCESSES` are started in this order for every replication; `AT_HORIZON` runs when the
run reaches the horizon, for components nothing else waits on, drawn in closed form
from the recorded timeline. `PARAMETERS` and `CALENDAR` are everything a scenario must
give the model.
"""

from sim.model import combat, diplomacy, exercise, nato, offensive, strategic, warning

COMPONENTS = (diplomacy, exercise, offensive, warning, combat, strategic, nato)

PROCESSES = (
    diplomacy.run,
    exercise.run,
    offensive.run,
    warning.run,
    combat.run,
)
AT_HORIZON = (strategic.at_horizon, nato.at_horizon)

PARAMETERS = {name: spec for component in COMPONENTS for name, spec in component.PARAMETERS.items()}
CALENDAR = {name: meaning for component in COMPONENTS for name, meaning in component.CALENDAR.items()}
CALENDAR_ORDER = (*exercise.CALENDAR_ORDER, ("exercise_end", "offensive_deadline"))
