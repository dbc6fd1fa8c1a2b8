"""Re-evaluation of one or more registers: status changes, barrier tallies, status by year, support ranking.

Pure functions on the frames :func:`~eipgis.symbiosis.register.read_register` returns; the report
(``eipgis register report``) renders them in :mod:`eipgis.present.register_report`.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .register import (
    BARRIER_CATEGORIES,
    STAGES,
    STATUSES,
    UNNAMED_PARK,
    RegisterError,
    _date,
    current,
    items,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OPEN", "STAGE_POINTS", "Registers", "barrier_tally", "link_benefits", "status_by_year",
           "status_changes", "support_ranking"]

#: Statuses of solutions that still need support (tallied and ranked).
OPEN = ("identified", "feasibility", "investment", "on_hold")
#: Points of the stage a solution has reached (on hold: the stage it was held at).
STAGE_POINTS = {"identified": 1.0, "feasibility": 2.0, "investment": 3.0}
#: Benefit points per tonne of CO2 saved a year, and their cap.
BENEFIT_POINTS_PER_T = 1 / 1000
BENEFIT_CAP = 3.0
#: Points taken off per barrier category.
BARRIER_PENALTY = 0.5


class Registers:
    """Registers read together: their events (``park`` filled per opportunity) and current states.

    An opportunity is a ``(park, id)`` pair; the same pair in two files is an error.
    """

    def __init__(self, registers: Sequence[tuple[str, pd.DataFrame]], parks: Sequence[str] | None = None):
        import pandas as pd

        events, states = [], []
        seen: dict[tuple[str, str], str] = {}
        for name, register in registers:
            state = current(register)
            for park, oid in zip(state["park"], state["id"]):
                other = seen.setdefault((park, oid), name)
                if other != name:
                    raise RegisterError(f"{name}: opportunity '{oid}' of park '{park}' is also in {other}. "
                                        "Fix: give each opportunity one register (or another id).")
            frame = register.copy()
            frame["park"] = frame["id"].map(dict(zip(state["id"], state["park"])))
            events.append(frame)
            states.append(state)
        if not any(len(state) for state in states):
            raise RegisterError(f"{', '.join(name for name, _ in registers)}: no opportunity to report. "
                                "Fix: give a register with at least one row below its header.")
        self.events = pd.concat(events, ignore_index=True)
        self.state = pd.concat(states, ignore_index=True)
        self.parks = sorted(self.state["park"].unique())
        if parks:
            unknown = [p for p in parks if p not in self.parks]
            if unknown:
                raise RegisterError(
                    f"{', '.join(name for name, _ in registers)}: no opportunity of park "
                    + ", ".join(repr(p) for p in unknown) + ". Fix: use one of "
                    + ", ".join(repr(p) for p in self.parks) + " (a register without a park column: "
                    f"'{UNNAMED_PARK}').")
            self.events = self.events[self.events["park"].isin(parks)].reset_index(drop=True)
            self.state = self.state[self.state["park"].isin(parks)].reset_index(drop=True)
            self.parks = [p for p in self.parks if p in parks]


def status_changes(events: pd.DataFrame, since: str | _dt.date) -> pd.DataFrame:
    """Events on or after ``since`` that change a status (or create an opportunity), oldest first.

    Columns: date, park, id, previous_status ("" when new), status, note, illustrative.
    """
    day = since if isinstance(since, _dt.date) else _date(since, "--since")
    frame = events.copy()
    frame["previous_status"] = frame.groupby(["park", "id"], sort=False)["status"].shift(1).fillna("")
    frame["_day"] = frame["date"].map(lambda d: _dt.date.fromisoformat(str(d).strip()))
    moved = frame[(frame["_day"] >= day) & frame["status"].ne(frame["previous_status"])]
    return (moved.sort_values(["_day", "park", "id"], kind="stable")
            [["date", "park", "id", "previous_status", "status", "note", "illustrative"]]
            .reset_index(drop=True))


def barrier_tally(state: pd.DataFrame) -> pd.DataFrame:
    """Open solutions (:data:`OPEN`) per barrier category (rows) and park (columns), with a total."""
    import pandas as pd

    parks = sorted(state["park"].unique())
    table = pd.DataFrame(0, index=list(BARRIER_CATEGORIES), columns=parks, dtype=int)
    for park, status, cats in zip(state["park"], state["status"], state["barrier_categories"]):
        if status in OPEN:
            for cat in set(items(cats)):
                table.loc[cat, park] += 1
    table["total"] = table[parks].sum(axis=1)
    return table


def status_by_year(events: pd.DataFrame, years: Sequence[int] | None = None) -> pd.DataFrame:
    """Solutions in each status at the end of each year (rows: years, columns: :data:`STATUSES`).

    A solution counts from the year of its first event; years run from the first to the last event.
    """
    import pandas as pd

    frame = events.assign(_day=events["date"].map(lambda d: _dt.date.fromisoformat(str(d).strip())))
    if years is None:
        years = list(range(min(frame["_day"]).year, max(frame["_day"]).year + 1))
    table = pd.DataFrame(0, index=list(years), columns=list(STATUSES), dtype=int)
    for _, history in frame.groupby(["park", "id"], sort=False):
        for year in years:
            before = history[history["_day"] <= _dt.date(year, 12, 31)]
            if len(before):
                table.loc[year, before["status"].iloc[-1]] += 1
    table.index.name = "year"
    return table


def link_benefits(links: pd.DataFrame) -> dict[str, float]:
    """Net CO2 saved (t/yr) per ``link_id`` of a links table written by ``eipgis symbiosis``."""
    import pandas as pd

    column = "net_co2_t" if "net_co2_t" in links.columns else "avoided_co2_t"
    if "link_id" not in links.columns or column not in links.columns:
        return {}
    values = pd.to_numeric(links[column], errors="coerce")
    return {str(k): float(v) for k, v in zip(links["link_id"], values) if not math.isnan(v)}


def support_ranking(state: pd.DataFrame, benefits: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Open solutions ranked for support, best first; ties broken by id, then park.

    ``score = stage points + benefit points − 0.5 × barrier categories``: stage points 1 identified,
    2 feasibility, 3 investment (on hold: the stage held); benefit points 1 per 1,000 t CO2/yr saved
    by the solution's links (``link`` cell, ``;``-separated link ids looked up in ``benefits``),
    at most 3, none when unknown. Columns: park, id, title, status, stage, benefit_co2_t (NaN when
    unknown), categories, score, illustrative (cells marked illustrative in any of its events).
    """
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for rec in state.to_dict("records"):
        if rec["status"] not in OPEN:
            continue
        known = [benefits[k] for k in items(rec.get("link", "")) if benefits and k in benefits]
        co2 = sum(known) if known else math.nan
        cats = sorted(set(items(rec["barrier_categories"])), key=BARRIER_CATEGORIES.index)
        stage = rec["stage"] if rec["stage"] in STAGE_POINTS else STAGES[0]
        score = (STAGE_POINTS[stage] + (0.0 if math.isnan(co2) else min(BENEFIT_CAP, max(0.0, co2)
                                                                        * BENEFIT_POINTS_PER_T))
                 - BARRIER_PENALTY * len(cats))
        rows.append({"park": rec["park"], "id": rec["id"], "title": rec["title"], "status": rec["status"],
                     "stage": stage, "benefit_co2_t": co2, "categories": cats, "score": round(score, 3),
                     "illustrative": rec.get("illustrative", "")})
    columns = ["park", "id", "title", "status", "stage", "benefit_co2_t", "categories", "score", "illustrative"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["score", "id", "park"], ascending=[False, True, True],
                             kind="stable").reset_index(drop=True)
