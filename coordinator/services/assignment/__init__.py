"""The assignment engine (自动排班): docs/assignment.md.

- `rules`: the hard rules over time (overlap, rest, duty in 24 hours) and the limits and weights;
- `solver`: the core, one time window as NumPy arrays solved exactly by min-cost flow;
- `eligibility`: the roster as arrays, with the schedules, hours and positions the rules need;
- `planning`: the plan for an event's open places, window after window (nothing is written);
- `writing`: assignments written from a plan or a commander's rows, under the shift locks;
- `candidates`: replacements for the map's alerts, one more place on a shift now.
"""
