"""Opportunity register: symbiosis opportunities whose every status change is kept as history."""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._validate import Problems, ids_text
from ..errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "NEXT",
    "STATUSES",
    "RegisterError",
    "add_links",
    "changes_since",
    "current",
    "format_register",
    "read_register",
    "update",
]

#: Statuses in order; ``abandoned`` may follow any status but ``abandoned`` itself.
STATUSES = ("identified", "feasibility", "investment", "implemented", "abandoned")
#: Bilingual labels of the statuses.
LABELS = {"identified": "identified / đã xác định", "feasibility": "feasibility / nghiên cứu khả thi",
          "investment": "investment / đầu tư", "implemented": "implemented / đã thực hiện",
          "abandoned": "abandoned / dừng"}
#: Allowed moves: the next stage, or abandoned. Repeating the current status records a note.
NEXT = {"identified": {"feasibility", "abandoned"}, "feasibility": {"investment", "abandoned"},
        "investment": {"implemented", "abandoned"}, "implemented": {"abandoned"}, "abandoned": set()}
#: Columns of the register file: one row per event (the first row of an id creates it).
COLUMNS = ("id", "date", "status", "title", "partners", "material", "barriers", "next_step", "note",
           "source", "link")


class RegisterError(InputError):
    """A register file or update that cannot be accepted (unknown id, invalid transition…)."""


def _date(text: Any, where: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise RegisterError(f"{where}: date '{text}' is not a date. Fix: write it as YYYY-MM-DD.") from None


def read_register(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and check a register (CSV, one row per event, oldest first per opportunity).

    Checked: the columns, each status, each date, and that each opportunity's events move
    only along :data:`NEXT` with dates that never go back.
    """
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise RegisterError(f"{p}: no such register. Fix: give the path of a register CSV such as "
                            "layers/tang_loong_register.csv.")
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    except Exception as exc:
        raise RegisterError(f"{p}: cannot be read as CSV ({exc}). Fix: save it as UTF-8 CSV.") from None
    missing = [c for c in ("id", "date", "status", "title") if c not in frame.columns]
    if missing:
        raise RegisterError(f"{p}: missing column(s) {', '.join(missing)}. Fix: a register has the "
                            "columns " + ", ".join(COLUMNS) + ".")
    for col in COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    problems = Problems(str(p))
    last: dict[str, tuple[str, _dt.date]] = {}
    for n, (oid, date, status) in enumerate(zip(frame["id"], frame["date"], frame["status"]), start=2):
        where = f"line {n} ({oid})"
        if not oid:
            problems.add(f"line {n}", "no id", "give every row an opportunity id such as IS-01")
            continue
        if status not in STATUSES:
            problems.add(where, f"unknown status '{status}'", "use one of " + ", ".join(STATUSES))
            continue
        try:
            day = _date(date, where)
        except RegisterError:
            problems.add(where, f"date '{date}' is not a date", "write it as YYYY-MM-DD")
            continue
        if oid in last:
            before, before_day = last[oid]
            if status != before and status not in NEXT[before]:
                problems.add(where, f"status moves from {before} to {status}",
                             "move one stage at a time or to abandoned")
            if day < before_day:
                problems.add(where, f"date {day} is before the previous change ({before_day})",
                             "keep each opportunity's events in date order")
        last[oid] = (status, day)
    problems.raise_if_any(RegisterError)
    return frame[list(COLUMNS) + [c for c in frame.columns if c not in COLUMNS]]


def current(register: pd.DataFrame) -> pd.DataFrame:
    """The current state of every opportunity: its last event, with the date it got its status."""
    import pandas as pd

    last = register.groupby("id", sort=False).tail(1).set_index("id")
    since = {}
    for oid, events in register.groupby("id", sort=False):
        statuses = list(events["status"])
        k = len(statuses) - 1
        while k > 0 and statuses[k - 1] == statuses[-1]:
            k -= 1
        since[oid] = events["date"].iloc[k]
    state = last.copy()
    state["status_since"] = pd.Series(since)
    state["events"] = register.groupby("id", sort=False).size()
    # keep the latest non-empty descriptive fields (an update may leave them blank)
    for col in ("title", "partners", "material", "barriers", "next_step", "source", "link"):
        filled = register[register[col].astype(str).str.len() > 0].groupby("id", sort=False)[col].last()
        state[col] = filled.reindex(state.index).fillna("")
    return state.reset_index()


def changes_since(register: pd.DataFrame, since: str | _dt.date) -> pd.DataFrame:
    """Events dated on or after ``since`` (YYYY-MM-DD), with the status each moved from."""
    day = since if isinstance(since, _dt.date) else _date(since, "--since")
    frame = register.copy()
    frame["previous_status"] = frame.groupby("id", sort=False)["status"].shift(1).fillna("")
    dates = frame["date"].map(lambda d: _dt.date.fromisoformat(d))
    frame["_day"] = dates
    return (frame[dates >= day].sort_values("_day", kind="stable").drop(columns="_day")
            .reset_index(drop=True))


def _write(path: Path, frame: pd.DataFrame) -> None:
    """Replace the register atomically: the old file stays whole until the new one is complete."""
    from .. import io

    io.write_text(path, frame.to_csv(index=False, lineterminator="\n"), overwrite=True)


def update(path: str | os.PathLike[str], *, id: str, status: str, date: str, note: str = "",
           barriers: str | None = None, next_step: str | None = None,
           partners: str | None = None, source: str = "") -> pd.DataFrame:
    """Record a change of one opportunity: a new event appended to its history.

    Earlier events are never changed; the file is replaced atomically, so an interrupted
    update leaves the register as it was.

    Raises
    ------
    RegisterError
        Unknown id, unknown status, a move not in :data:`NEXT`, or a date before the
        opportunity's last change.

    Examples
    --------
    >>> update("layers/tang_loong_register.csv", id="IS-03", status="feasibility",
    ...        note="acid offtake study started", date="2026-03-01")   # doctest: +SKIP
    """
    import pandas as pd

    p = Path(path)
    register = read_register(p)
    state = current(register).set_index("id")
    if id not in state.index:
        raise RegisterError(f"{p}: no opportunity '{id}'. "
                            f"Fix: use one of {ids_text(sorted(state.index), limit=40)}.")
    if status not in STATUSES:
        raise RegisterError(f"{p}, {id}: unknown status '{status}'. Fix: use one of {', '.join(STATUSES)}.")
    before = state.loc[id, "status"]
    if status != before and status not in NEXT[before]:
        allowed = ", ".join(sorted(NEXT[before])) or "none (abandoned is final)"
        raise RegisterError(f"{p}, {id}: cannot move from {before} to {status}. "
                            f"Fix: from {before} the next status is {allowed}.")
    day = _date(date, f"{p}, {id}")
    last_day = _dt.date.fromisoformat(register[register["id"].eq(id)]["date"].iloc[-1])
    if day < last_day:
        raise RegisterError(f"{p}, {id}: date {day} is before its last change ({last_day}). "
                            "Fix: give the date of this change, on or after the last one.")
    row = {c: "" for c in register.columns}
    row.update({"id": id, "date": day.isoformat(), "status": status, "note": note, "source": source,
                "barriers": barriers or "", "next_step": next_step or "", "partners": partners or ""})
    new = pd.concat([register, pd.DataFrame([row])], ignore_index=True)
    _write(p, new)
    return new


def add_links(path: str | os.PathLike[str], links: Any, *, date: str,
              source: str = "eipgis symbiosis matching") -> pd.DataFrame:
    """Add links found by matching as new ``identified`` opportunities (``IS-nn`` or ``IU-nn``).

    A link whose supplier, receiver and material are already in the register is skipped.
    ``links`` is the ``links`` frame of a :class:`~eipgis.symbiosis.SymbiosisResult` (or its CSV).
    """
    import pandas as pd

    p = Path(path)
    register = read_register(p)
    day = _date(date, "--date").isoformat()
    table = pd.read_csv(links, dtype=str, keep_default_na=False) if isinstance(links, (str, Path)) \
        else links.drop(columns="geometry", errors="ignore")
    known = list(zip(register["partners"], register["material"]))

    def listed(supplier: str, receiver: str, material: str) -> bool:
        def names(node: str, text: str) -> bool:
            return re.search(rf"(?<![\w-]){re.escape(node)}(?![\w-])", text) is not None
        return any(material in mats and names(supplier, partners) and names(receiver, partners)
                   for partners, mats in known)

    numbers: dict[str, int] = {}
    for prefix in ("IS", "IU"):
        ids = register["id"][register["id"].str.startswith(prefix + "-")].str[3:]
        numbers[prefix] = max([int(i) for i in ids if i.isdigit()] or [0])
    rows = []
    for rec in table.to_dict("records"):
        partners = f"{rec['supplier']} → {rec['receiver']}"
        if listed(rec["supplier"], rec["receiver"], rec["material"]):
            continue
        prefix = "IU" if rec.get("kind") == "industrial-urban" else "IS"
        numbers[prefix] += 1
        rows.append({c: "" for c in register.columns} | {
            "id": f"{prefix}-{numbers[prefix]:02d}", "date": day, "status": "identified",
            "title": f"{rec['material']} → {rec.get('use', '')}: {rec.get('supplier_name', '')} → "
                     f"{rec.get('receiver_name', '')}",
            "partners": partners, "material": rec["material"],
            "note": f"{float(rec['quantity']):,.0f} {rec['unit']}, {float(rec['distance_m']):,.0f} m "
                    f"({'road network' if str(rec['network']).lower() in ('true', '1') else 'straight line'})",
            "source": f"{source}; {rec.get('source', '')}", "link": rec.get("link_id", "")})
        known.append((partners, rec["material"]))
    if rows:
        register = pd.concat([register, pd.DataFrame(rows)], ignore_index=True)
        _write(p, register)
    return register


def format_register(register: pd.DataFrame, *, since: str | None = None) -> str:
    """Text for ``eipgis register show``: current state, then the changes since a date."""
    state = current(register)
    lines = [f"{len(state)} opportunities / cơ hội cộng sinh", ""]
    for rec in state.to_dict("records"):
        lines.append(f"{rec['id']}  {LABELS[rec['status']]} (since {rec['status_since']}, "
                     f"{rec['events']} event{'s' if rec['events'] != 1 else ''})")
        lines.append(f"    {rec['title']}")
        for key, label in (("partners", "partners / đối tác"), ("barriers", "barriers / rào cản"),
                           ("next_step", "next step / bước tiếp"), ("source", "source / nguồn")):
            if rec.get(key):
                lines.append(f"    {label}: {rec[key]}")
    if since is not None:
        changes = changes_since(register, since)
        lines += ["", f"Changes since {since} / thay đổi từ {since}: {len(changes)}"]
        for rec in changes.to_dict("records"):
            move = (f"{rec['previous_status']} → {rec['status']}" if rec["previous_status"]
                    and rec["previous_status"] != rec["status"] else
                    ("new: " + rec["status"] if not rec["previous_status"] else f"note ({rec['status']})"))
            lines.append(f"  {rec['date']}  {rec['id']}  {move}" + (f"  — {rec['note']}" if rec["note"] else ""))
    return "\n".join(lines) + "\n"
