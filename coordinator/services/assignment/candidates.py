"""Replacements for the map's alerts: who may take one more place on a shift now, cheapest first.

The same hard rules and the same cost as the engine; with one place the min-cost flow takes the
cheapest eligible pair, so ranking by that cost puts the engine's choice first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from ...models import Event, Post, Shift
from .eligibility import Roster, VillageCodes
from .rules import Rules, relevant_span
from .solver import Window, pair_costs


@dataclass
class Ranked:
    """A person who may take one place now, by engine cost."""

    person_id: int
    distance_m: float
    cost_m: float
    from_where: str
    lat: float
    lon: float
    why: list[str]


def rank_for_shift(db: Session, shift: Shift, rules: Rules, limit: int = 5) -> list[Ranked]:
    """The people who may take one more place on `shift` under the same hard rules, cheapest
    first by the engine's cost (the first is what the engine would choose for one place)."""
    event = db.get(Event, shift.event_id)
    post = db.get(Post, shift.post_id)
    villages = VillageCodes()
    roster = Roster.load(db, event, relevant_span([shift], rules), villages)
    window_time = (shift.starts_at, shift.ends_at)
    eligible = (roster.skill_mask(shift.skills or ()) & roster.free_mask(window_time, rules)
                & roster.has_position)
    window = Window(roster.lat, roster.lon, np.array([post.lat]), np.array([post.lon]),
                    np.array([1]), person_extra_m=roster.burden_m(rules),
                    person_village=roster.village,
                    shift_village=np.array([villages.code(post.village)]),
                    eligible=eligible[None, :])
    people = np.flatnonzero(eligible)
    distance, cost = pair_costs(window, rules, people, np.zeros(len(people), np.int64))
    within = distance <= rules.reach_m
    people, distance, cost = people[within], distance[within], cost[within]
    # With one place, the min-cost flow picks the cheapest eligible pair: ranking by the same
    # cost gives the engine's choice first and the next best after it.
    order = np.lexsort((roster.ids[people], cost))[:limit]
    nearest = distance.min() if len(distance) else np.inf
    ranked = []
    for j in order.tolist():
        p = int(people[j])
        why = ["nearest" if distance[j] <= nearest + 0.5 else "least_total"]
        if roster.kind[p] == "village_official" and roster.unit[p] == post.village:
            why.append("own_village")
        if shift.skills:
            why.append("skills")
        ranked.append(Ranked(int(roster.ids[p]), round(float(distance[j]), 1),
                             round(float(cost[j]), 1), roster.from_where[p],
                             float(roster.lat[p]), float(roster.lon[p]), why))
    return ranked
