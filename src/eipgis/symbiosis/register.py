"""Opportunity register: symbiosis opportunities whose every status change is kept as history.

A register is a CSV that several planners change: each change is made under an exclusive lock, on a
fresh read, and written atomically; cells a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import glob
import io as _io
import math
import os
import re
import stat
import tempfile
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationError

from .._validate import Problems, ids_text
from ..errors import InputError, OutputError
from ..io import _NEEDS_QUOTE, _NUMBER, _QUOTED, neutralise, restore  # one home: io

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BARRIER_CATEGORIES",
    "COLUMNS",
    "LOCK_TIMEOUT_S",
    "NEXT",
    "REQUIRED_LINK_COLUMNS",
    "STAGES",
    "STATUSES",
    "UNNAMED_PARK",
    "RegisterBusyError",
    "RegisterError",
    "add_links",
    "changes_since",
    "current",
    "format_register",
    "neutralise",
    "read_register",
    "restore",
    "update",
]

#: The stages of a solution, in order.
STAGES = ("identified", "feasibility", "investment", "implemented")
#: Statuses: the stages, ``on_hold`` (paused at a stage) and ``abandoned`` (final).
STATUSES = (*STAGES, "on_hold", "abandoned")
#: Bilingual labels of the statuses.
LABELS = {"identified": "identified / đã xác định", "feasibility": "feasibility / nghiên cứu khả thi",
          "investment": "investment / đầu tư", "implemented": "implemented / đã thực hiện",
          "on_hold": "on hold / tạm hoãn", "abandoned": "abandoned / dừng"}
#: Forward moves: the next stage, or abandoned (from ``on_hold``: the stage after the one held, see
#: :func:`move_problem`). Repeating the current status records a note. Moves back (to an earlier stage,
#: to ``on_hold``, or from ``on_hold`` to the stage held or an earlier one) need a reason in ``note``.
NEXT = {"identified": {"feasibility", "abandoned"}, "feasibility": {"investment", "abandoned"},
        "investment": {"implemented", "abandoned"}, "implemented": {"abandoned"}, "on_hold": {"abandoned"},
        "abandoned": set()}
#: Controlled vocabulary of the ``barrier_categories`` column (``;``-separated), beside free-text ``barriers``.
BARRIER_CATEGORIES = ("technical", "economic", "regulatory", "market", "organisational", "information",
                      "distance")
#: Columns of the register file: one row per event (the first row of an id creates it). ``park``,
#: ``barrier_categories`` and ``illustrative`` may be missing (older registers); they are then empty.
COLUMNS = ("id", "park", "date", "status", "title", "partners", "material", "barriers", "barrier_categories",
           "next_step", "note", "source", "link", "illustrative")
#: Park of an opportunity whose rows name none (a register written before the ``park`` column).
UNNAMED_PARK = "unnamed"


#: Columns a links file (``links.csv`` of ``eipgis symbiosis``) must have for ``register add-links``.
REQUIRED_LINK_COLUMNS = ("supplier", "receiver", "material", "quantity", "unit", "distance_m", "network")
#: Seconds a command waits for another one to finish changing the same register.
LOCK_TIMEOUT_S = 30.0

_ROW_END = "\r\0\n"
_REGISTER_FIX = "give the path of a register CSV (UTF-8) such as layers/tang_loong_register.csv"

class RegisterError(InputError):
    """A register file or update that cannot be accepted (unknown id, invalid transition…)."""


class RegisterBusyError(RegisterError):
    """Another eipgis command held the register's lock for longer than the timeout."""


def _any_cell_starts(column: pd.Series, pattern: re.Pattern[str]) -> bool:
    """Whether any cell of a text column starts with ``pattern``: one scan of the joined column.

    Cells never hold a NUL (a file with one is refused), so NUL separates them unambiguously.
    """
    return re.search(f"(?:^|\0)(?:{pattern.pattern})", "\0".join(map(str, column.to_numpy(dtype=object)))) is not None


def _iso_date(text: Any) -> _dt.date:
    return _dt.date.fromisoformat(str(text).strip())  # a ValueError is reported at the column


def _status(text: str) -> str:
    if text not in STATUSES:
        raise ValueError("unknown status")
    return text


class _Event(BaseModel):
    """The cells of one register row that every row must have right (the columns id, status, date)."""

    id: str = Field(min_length=1)
    status: Annotated[str, AfterValidator(_status)]
    date: Annotated[_dt.date, BeforeValidator(_iso_date)]


#: What a bad cell of each column is, and its fix: (problem, fix) from the row's cells.
_EVENT_PROBLEMS: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "id": lambda row: ("no id", "give every row an opportunity id such as IS-01"),
    "status": lambda row: (f"unknown status '{row['status']}'", "use one of " + ", ".join(STATUSES)),
    "date": lambda row: (f"date '{row['date']}' is not a date", "write it as YYYY-MM-DD"),
}


def items(text: Any) -> list[str]:
    """The ``;``-separated items of a cell, trimmed, empty ones dropped."""
    return [t.strip() for t in str(text).split(";") if t.strip()]


def category_problem(text: Any) -> tuple[str, str] | None:
    """(problem, fix) when a ``barrier_categories`` cell names a category not in the vocabulary."""
    unknown = [c for c in items(text) if c not in BARRIER_CATEGORIES]
    if not unknown:
        return None
    return (f"unknown barrier categor{'y' if len(unknown) == 1 else 'ies'} "
            + ", ".join(repr(c) for c in unknown),
            "use one or more of " + ", ".join(BARRIER_CATEGORIES) + " separated by ';' "
            "(free text goes in the column 'barriers')")


def move_problem(before: str, held: str, status: str, note: str) -> str | None:
    """The fix when ``status`` may not follow ``before``, else None.

    ``held`` is the last stage the opportunity reached (``before`` itself unless it is on hold).
    Forward: the next stage (after ``held`` when on hold) or ``abandoned``; repeating a status
    records a note. Back (allowed only with a reason in ``note``): to an earlier stage, to
    ``on_hold``, or from ``on_hold`` to the stage held or an earlier one. ``abandoned`` is final.
    """
    if status == before or status in NEXT[before] or (before == "on_hold" and status in NEXT[held]):
        return None
    if before == "abandoned":
        return "none: abandoned is final"
    rank = STAGES.index
    back = status == "on_hold" or (status in STAGES and rank(status) <= rank(held)
                                   and (before == "on_hold" or rank(status) < rank(before)))
    if back:
        return None if str(note).strip() else (
            f"a move back from {before} to {status} needs its reason: write why in the note (--note)")
    forward = sorted(NEXT[before] | (NEXT[held] if before == "on_hold" else set()))
    return (f"from {before} the next status is {' or '.join(forward)}; a move back (to an earlier stage "
            "or on_hold) needs its reason in the note")


def _date(text: Any, where: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise RegisterError(f"{where}: date '{text}' is not a date. Fix: write it as YYYY-MM-DD.") from None


def _check_file(path: Path, *, what: str, fix: str) -> None:
    """Refuse a missing file, a folder, a named pipe or a device without opening it (a pipe would hang)."""
    from ..io import check_input

    if not path.exists() and not path.is_symlink():
        raise RegisterError(f"{path}: no such {what}. Fix: {fix}.")
    check_input(path, what=what, error=RegisterError)  # the one file-kind check of every reader


def _read_text(path: Path, *, what: str, fix: str) -> str:
    """The UTF-8 text of a CSV file given to eipgis, or one error that names the file and the fix.
    """
    _check_file(path, what=what, fix=fix)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegisterError(f"{path}: cannot be read ({exc.strerror or exc}). Fix: {fix}.") from None
    if not data.strip():
        raise RegisterError(f"{path}: is empty. Fix: {fix}.")
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise RegisterError(f"{path}, line {line}: a NUL byte; this is not a text CSV file. Fix: {fix}.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise RegisterError(
            f"{path}, line {line}, byte {column}: not UTF-8 (byte 0x{data[exc.start]:02x}). "
            "Fix: save the file as CSV UTF-8 (in a spreadsheet: Save As → CSV UTF-8)."
        ) from None


def _read_csv(path: Path, *, what: str, fix: str) -> tuple[pd.DataFrame, list[int]]:
    """A CSV file as text columns, with the line on which each row starts.

    Short rows are padded with empty cells; a row with more cells than the header, a bad quote
    or a repeated column name is an error naming the line.
    """
    import pandas as pd

    text = _read_text(path, what=what, fix=fix)
    reader = csv.reader(_io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    start = 1
    try:
        for row in reader:
            if any(row):  # blank lines (and rows of empty cells) are skipped
                if header is None:
                    header = [cell.strip() for cell in row]
                else:
                    rows.append(row)
                    lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise RegisterError(f"{path}, line {start}: not valid CSV ({exc}). Fix: {fix}; put a cell "
                            "that holds commas, quotes or line breaks in double quotes.") from None
    assert header is not None  # _read_text refused a blank file
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise RegisterError(f"{path}, line 1: column(s) {', '.join(repr(c) for c in repeated)} appear more "
                            "than once. Fix: give every column of the header its own name.")
    width = len(header)
    for row, line in zip(rows, lines):
        if len(row) > width:
            raise RegisterError(f"{path}, line {line}: {len(row)} cells but the header has {width} columns. "
                                "Fix: put a cell that holds commas in double quotes, or add the column "
                                "to the header.")
        row.extend([""] * (width - len(row)))
    return pd.DataFrame(rows, columns=header, dtype=object), lines


def _read(path: Path, parks: Collection[str] | None = None) -> tuple[pd.DataFrame, list[int]]:
    """Read and check a register; also return the line on which each event starts.

    The frame has every column of :data:`COLUMNS`; ``attrs["columns"]`` lists those of the file.
    """
    frame, lines = _read_csv(path, what="register", fix=_REGISTER_FIX)
    file_columns = list(frame.columns)
    missing = [c for c in ("id", "date", "status", "title") if c not in frame.columns]
    if missing:
        raise RegisterError(f"{path}, line 1: missing column(s) {', '.join(missing)}. Fix: a register has "
                            "the columns " + ", ".join(COLUMNS) + ".")
    for col in frame.columns:  # undo the formula neutralisation of _write, in every column
        if _any_cell_starts(frame[col], _QUOTED):
            frame[col] = frame[col].map(restore)
    for col in COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    problems = Problems(str(path))
    last: dict[str, tuple[str, _dt.date, str]] = {}
    park_of: dict[str, str] = {}
    known = None if parks is None else {str(p) for p in parks}
    for n, oid, date, status, note, park, cats, marked in zip(
            lines, frame["id"], frame["date"], frame["status"], frame["note"], frame["park"],
            frame["barrier_categories"], frame["illustrative"]):
        where = f"line {n} ({oid})"
        bad_categories = category_problem(cats)
        if bad_categories:
            problems.add(f"{where}, column 'barrier_categories'", *bad_categories)
        odd = [c for c in items(marked) if c not in COLUMNS]
        if odd:
            problems.add(f"{where}, column 'illustrative'", "not a column: " + ", ".join(repr(c) for c in odd),
                         "name the cells of this row that are illustrative, e.g. 'date; barrier_categories'")
        park = str(park).strip()
        if park and known is not None and park not in known:
            problems.add(f"{where}, column 'park'", f"unknown park '{park}'",
                         "use one of " + ", ".join(sorted(known)) + ", or add the park to the list")
        if park and park_of.setdefault(oid, park) != park:
            problems.add(f"{where}, column 'park'", f"park '{park}' but earlier rows say '{park_of[oid]}'",
                         "an opportunity stays in one park; give a new id to one in another park")
        try:
            day = _Event.model_validate({"id": oid, "status": status, "date": date}).date
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0])
                problems.add(f"line {n}, column 'id'" if not oid else f"{where}, column '{column}'",
                             *_EVENT_PROBLEMS[column]({"id": oid, "status": status, "date": date}))
            continue
        held = status if status in STAGES else STAGES[0]  # created on hold: held at the first stage
        if oid in last:
            before, before_day, held = last[oid]
            fix = move_problem(before, held, status, note)
            if fix:
                problems.add(f"{where}, column 'status'", f"status moves from {before} to {status}", fix)
            if day < before_day:
                problems.add(f"{where}, column 'date'",
                             f"date {day} is before the previous change ({before_day})",
                             "keep each opportunity's events in date order")
            held = status if status in STAGES else held
        last[oid] = (status, day, held)
    problems.raise_if_any(RegisterError)
    out = frame[list(COLUMNS) + [c for c in frame.columns if c not in COLUMNS]]
    out.attrs["columns"] = file_columns
    return out, lines


def read_register(path: str | os.PathLike[str], *, parks: Collection[str] | None = None) -> pd.DataFrame:
    """Read and check a register (CSV, one row per event, oldest first per opportunity).

    Checked: the file (UTF-8 CSV, a regular file), the columns, each status, each date, that
    each opportunity's events move only as :func:`move_problem` allows with dates that never go
    back, the barrier categories (:data:`BARRIER_CATEGORIES`), the cells named ``illustrative``,
    that an opportunity stays in one park and, when ``parks`` is given, that every park is in it.
    Cells neutralised against spreadsheet formulas (see :func:`neutralise`) read back as written.
    Columns the file lacks (``park``… in older registers) are empty.
    """
    return _read(Path(path), parks)[0]


def current(register: pd.DataFrame) -> pd.DataFrame:
    """The current state of every opportunity: its last event, with the date it got its status.

    Also: ``park`` (:data:`UNNAMED_PARK` when no row names one), ``stage`` (the last stage reached,
    the one held when on hold), ``events`` and ``illustrative`` (the cells marked in any event).
    """
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
    for col in ("park", "title", "partners", "material", "barriers", "barrier_categories", "next_step",
                "source", "link"):
        filled = register[register[col].astype(str).str.len() > 0].groupby("id", sort=False)[col].last()
        state[col] = filled.reindex(state.index).fillna("")
    state["park"] = state["park"].where(state["park"].astype(str).str.strip().ne(""), UNNAMED_PARK)
    stages = register[register["status"].isin(STAGES)].groupby("id", sort=False)["status"].last()
    state["stage"] = stages.reindex(state.index).fillna(STAGES[0])
    marked = register.groupby("id", sort=False)["illustrative"].agg(
        lambda cells: "; ".join(c for c in COLUMNS if any(c in items(cell) for cell in cells)))
    state["illustrative"] = marked.reindex(state.index).fillna("")  # every cell illustrative in any event
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


def _csv_text(frame: pd.DataFrame, shown: Path) -> str:
    """The register as CSV text, every formula-like cell neutralised.

    The register's own columns (:data:`COLUMNS`) are all text and always neutralised; in any
    other column a plain number such as ``-5`` or ``1e3`` is left as written.
    """
    out = frame.astype(object).where(frame.notna(), "")
    for col in out.columns:
        if not _any_cell_starts(out[col], _NEEDS_QUOTE):
            continue
        if col in COLUMNS:
            out[col] = out[col].map(neutralise)
        else:
            out[col] = out[col].map(lambda t: t if _NUMBER.fullmatch(t) else neutralise(t))
    # The csv writer quotes a cell holding any character of the line terminator; ending rows with
    # "\r\0\n" makes it quote cells with a carriage return too (the file would split there otherwise).
    text = out.to_csv(index=False, lineterminator=_ROW_END)
    if text.count("\0") != len(out) + 1:
        raise RegisterError(f"{shown}: a cell to write holds a NUL character. Fix: remove it from the text given.")
    return text.replace(_ROW_END, "\n")


def _target(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The path as given (for messages) and the real file behind it (locked and replaced)."""
    shown = Path(path)
    return shown, Path(os.path.realpath(shown))


def _lock_path(real: Path) -> Path:
    return real.with_name(f".{real.name}.lock")


@contextlib.contextmanager
def _locked(shown: Path, real: Path, timeout: float) -> Iterator[None]:
    """Hold the register's exclusive lock (``.<name>.lock`` beside it) for a read-modify-write.

    The lock is the operating system's (``flock``), so a killed command never leaves it held.
    """
    from filelock import FileLock, Timeout

    if not real.parent.is_dir():
        raise RegisterError(f"{shown}: no such register. Fix: give the path of a register CSV such as "
                            "layers/tang_loong_register.csv.")
    lock = FileLock(str(_lock_path(real)), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise RegisterBusyError(
            f"{shown}: {shown.name} is being changed by another eipgis command (waited {timeout:g} s). "
            "Fix: try again when it has finished."
        ) from None
    except OSError as exc:
        raise OutputError(
            f"{shown}: cannot lock the register ({_lock_path(real).name}: {exc.strerror or exc}). "
            "Fix: make its folder writable, or copy the register into a folder you can write to."
        ) from None
    try:
        yield
    finally:
        lock.release()


def _write(shown: Path, real: Path, frame: pd.DataFrame) -> None:
    """Replace the register atomically; call it holding :func:`_locked`.

    The new text goes to a temporary file in the same folder, is flushed and fsync'd, then
    renamed over the register, and the folder is fsync'd: a killed command leaves the old
    file or the complete new one. Temporary files of killed commands are removed.
    """
    data = _csv_text(frame, shown).encode("utf-8")
    folder = real.parent
    for stale in glob.glob(glob.escape(str(folder / f".{real.name}.")) + "*.tmp"):
        with contextlib.suppress(OSError):
            os.unlink(stale)  # no writer holds the lock but us: left by a killed command
    try:
        mode = stat.S_IMODE(real.stat().st_mode)
    except OSError:
        mode = None
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)  # keep the register's permissions (mkstemp makes it private)
        os.replace(tmp, real)
        tmp = None
    except OSError as exc:
        raise OutputError(f"{shown}: cannot be written ({exc.strerror or exc}); the register is unchanged. "
                          "Fix: free disk space or make the folder writable, then run the command "
                          "again.") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _check_writable(shown: Path, real: Path) -> None:
    if real.is_file() and not os.access(real, os.W_OK):
        raise RegisterError(f"{shown}: the register is read-only. Fix: make it writable "
                            f"(chmod u+w {shown}) or work on a copy.")


def update(path: str | os.PathLike[str], *, id: str, status: str, date: str, note: str = "",
           barriers: str | None = None, next_step: str | None = None,
           partners: str | None = None, source: str = "", barrier_categories: str | None = None,
           timeout: float | None = None) -> pd.DataFrame:
    """Record a change of one opportunity: a new event appended to its history.

    Earlier events are never changed. The register is locked while it is read, checked and
    replaced (atomically, fsync'd), so simultaneous updates all land and an interrupted update
    leaves the register as it was. ``timeout`` (seconds, default :data:`LOCK_TIMEOUT_S`) is how
    long to wait for another command that is changing it.

    Raises
    ------
    RegisterError
        Unknown id, unknown status, a move :func:`move_problem` refuses (a move back without a
        reason in ``note``), an unknown barrier category, or a date before the opportunity's last
        change; :class:`RegisterBusyError` when the lock is not free in time.

    Examples
    --------
    >>> update("layers/tang_loong_register.csv", id="IS-03", status="feasibility",
    ...        note="acid offtake study started", date="2026-03-01")   # doctest: +SKIP
    """
    import pandas as pd

    shown, real = _target(path)
    if status not in STATUSES:
        raise RegisterError(f"{shown}, {id}: unknown status '{status}'. Fix: use one of {', '.join(STATUSES)}.")
    day = _date(date, f"{shown}, {id}")
    bad_categories = category_problem(barrier_categories or "")
    if bad_categories:
        raise RegisterError(f"{shown}, {id}: {bad_categories[0]}. Fix: {bad_categories[1]}.")

    def plan(register: pd.DataFrame) -> pd.DataFrame:
        state = current(register).set_index("id")
        if id not in state.index:
            raise RegisterError(f"{shown}: no opportunity '{id}'. "
                                f"Fix: use one of {ids_text(sorted(state.index), limit=40)}.")
        before = state.loc[id, "status"]
        fix = move_problem(before, state.loc[id, "stage"], status, note)
        if fix:
            raise RegisterError(f"{shown}, {id}: cannot move from {before} to {status}. Fix: {fix}.")
        last_day = _dt.date.fromisoformat(register[register["id"].eq(id)]["date"].iloc[-1].strip())
        if day < last_day:
            raise RegisterError(f"{shown}, {id}: date {day} is before its last change ({last_day}). "
                                "Fix: give the date of this change, on or after the last one.")
        row = {c: "" for c in register.columns}
        row.update({"id": id, "date": day.isoformat(), "status": status, "note": note, "source": source,
                    "barriers": barriers or "", "next_step": next_step or "", "partners": partners or "",
                    "barrier_categories": "; ".join(items(barrier_categories or ""))})
        return pd.concat([register, pd.DataFrame([row], dtype=object)], ignore_index=True)

    return _change(shown, real, plan, timeout)


def _change(shown: Path, real: Path, plan: Callable[[pd.DataFrame], pd.DataFrame | None],
            timeout: float | None) -> pd.DataFrame:
    """Apply ``plan`` to the register: checked first, then again on a fresh read under the lock.

    ``plan`` returns the new register, or None to leave it as it is. A bad register or a refused
    change fails before any lock file is made beside the register.
    """
    _check_file(shown, what="register", fix=_REGISTER_FIX)
    plan(_read(shown)[0])
    _check_writable(shown, real)
    with _locked(shown, real, LOCK_TIMEOUT_S if timeout is None else timeout):
        register = _read(shown)[0]  # read again: another command may have changed it meanwhile
        new = plan(register)
        if new is None:
            return register
        _write(shown, real, _file_columns(new, register.attrs["columns"]))
    return new


def _file_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns to write: the file's own, and a register column it lacked once a row fills it.

    An older register (no ``park``…) keeps its header until a change fills a new column.
    """
    filled = [c for c in frame.columns if c not in columns and frame[c].astype(str).str.len().gt(0).any()]
    keep = set(columns) | set(filled)
    return frame[[c for c in frame.columns if c in keep]]


def _read_links(links: Any) -> tuple[pd.DataFrame, str, list[int] | None]:
    """The links table to add, checked: its columns, and numbers in quantity and distance_m."""
    import pandas as pd

    if isinstance(links, (str, os.PathLike)):
        source = Path(links)
        table, lines = _read_csv(source, what="links file", fix="give the links.csv written by "
                                 "'eipgis symbiosis PARK --flows FILE -o DIR'")
        line_of: list[int] | None = lines
        where = f"{source}"
    else:
        table = links.drop(columns="geometry", errors="ignore").reset_index(drop=True)
        line_of, where = None, "links"
    missing = [c for c in REQUIRED_LINK_COLUMNS if c not in table.columns]
    if missing:
        at = ", line 1" if line_of is not None else ""
        raise RegisterError(f"{where}{at}: missing column(s) {', '.join(missing)}. Fix: give the "
                            "links.csv written by 'eipgis symbiosis' (columns " + ", ".join(REQUIRED_LINK_COLUMNS)
                            + ", …).")
    problems = Problems(where)
    for col in ("quantity", "distance_m"):
        values = pd.to_numeric(table[col], errors="coerce").astype(float)
        bad = ~(values.map(math.isfinite) & values.ge(0))
        for k in bad[bad].index[:20]:
            row = f"line {line_of[k]}" if line_of is not None else f"row {k + 1}"
            problems.add(f"{row}, column '{col}'", f"'{table.at[k, col]}' is not a number ≥ 0",
                         "write a finite number such as 1200 or 35.5")
    for col in ("supplier", "receiver", "material"):
        empty = table[col].fillna("").astype(str).str.strip().eq("")
        for k in empty[empty].index[:20]:
            row = f"line {line_of[k]}" if line_of is not None else f"row {k + 1}"
            problems.add(f"{row}, column '{col}'", "empty", f"give the link's {col}")
    problems.raise_if_any(RegisterError)
    return table, where, line_of


def add_links(path: str | os.PathLike[str], links: Any, *, date: str,
              source: str = "eipgis symbiosis matching", park: str | None = None,
              timeout: float | None = None) -> pd.DataFrame:
    """Add links found by matching as new ``identified`` opportunities (``IS-nn`` or ``IU-nn``).

    Their ``park`` is ``park``, else the register's park when its rows name exactly one.

    A link whose supplier, receiver and material are already in the register is skipped.
    ``links`` is the ``links`` frame of a :class:`~eipgis.symbiosis.SymbiosisResult` (or its CSV).
    The register is locked, re-read and replaced atomically as in :func:`update`; the ids added
    are in ``result.attrs["added"]``.
    """
    import pandas as pd

    shown, real = _target(path)
    day = _date(date, "--date").isoformat()
    table, _, _ = _read_links(links)
    added: list[str] = []

    def plan(register: pd.DataFrame) -> pd.DataFrame | None:
        added.clear()
        named = sorted({str(p).strip() for p in register["park"]} - {""})
        where = park if park is not None else (named[0] if len(named) == 1 else "")
        known = list(zip(register["partners"], register["material"]))

        def listed(supplier: str, receiver: str, material: str) -> bool:
            def names(node: str, text: str) -> bool:
                return re.search(rf"(?<![\w-]){re.escape(node)}(?![\w-])", text) is not None
            return any(material in mats and names(supplier, partners) and names(receiver, partners)
                       for partners, mats in known)

        numbers: dict[str, int] = {}
        for prefix in ("IS", "IU"):
            ids = register["id"][register["id"].astype(str).str.startswith(prefix + "-")].str[3:]
            numbers[prefix] = max([int(i) for i in ids if i.isdigit()] or [0])
        rows = []
        for rec in table.to_dict("records"):
            rec = {k: "" if v is None or (isinstance(v, float) and math.isnan(v)) else v for k, v in rec.items()}
            supplier, receiver, material = (str(rec["supplier"]), str(rec["receiver"]), str(rec["material"]))
            partners = f"{supplier} → {receiver}"
            if listed(supplier, receiver, material):
                continue
            prefix = "IU" if rec.get("kind") == "industrial-urban" else "IS"
            numbers[prefix] += 1
            rows.append({c: "" for c in register.columns} | {
                "id": f"{prefix}-{numbers[prefix]:02d}", "date": day, "status": "identified",
                "title": f"{material} → {rec.get('use', '')}: {rec.get('supplier_name', '')} → "
                         f"{rec.get('receiver_name', '')}",
                "park": where, "partners": partners, "material": material,
                "note": f"{float(rec['quantity']):,.0f} {rec['unit']}, {float(rec['distance_m']):,.0f} m "
                        f"({'road network' if str(rec['network']).lower() in ('true', '1') else 'straight line'})",
                "source": f"{source}; {rec.get('source', '')}", "link": str(rec.get("link_id", ""))})
            known.append((partners, material))
            added.append(rows[-1]["id"])
        if not rows:
            return None
        return pd.concat([register, pd.DataFrame(rows, dtype=object)], ignore_index=True)

    register = _change(shown, real, plan, timeout)
    register.attrs["added"] = list(added)
    return register


def format_register(register: pd.DataFrame, *, since: str | None = None) -> str:
    """Text for ``eipgis register show``: current state, then the changes since a date."""
    from .._tables import format_table

    state = current(register)
    records = state.to_dict("records")
    lines = [f"{len(state)} opportunities / cơ hội cộng sinh", ""]
    lines += format_table(
        ["id", "status / trạng thái", "since / từ ngày", "events / sự kiện", "title / tên"],
        [[str(r["id"]), LABELS[r["status"]], str(r["status_since"]), str(r["events"]), str(r["title"])]
         for r in records],
        align="<<<><",
    )
    for rec in records:
        details = [(label, rec[key]) for key, label in (
            ("park", "park / khu công nghiệp"), ("partners", "partners / đối tác"),
            ("barriers", "barriers / rào cản"), ("barrier_categories", "barrier categories / loại rào cản"),
            ("illustrative", "illustrative / minh hoạ, không có nguồn"),
            ("next_step", "next step / bước tiếp"), ("source", "source / nguồn")) if rec.get(key)]
        if details:
            lines += ["", str(rec["id"])] + [f"    {label}: {value}" for label, value in details]
    if since is not None:
        changes = changes_since(register, since)
        lines += ["", f"Changes since {since} / thay đổi từ {since}: {len(changes)}"]
        rows = []
        for rec in changes.to_dict("records"):
            move = (f"{rec['previous_status']} → {rec['status']}" if rec["previous_status"]
                    and rec["previous_status"] != rec["status"] else
                    ("new: " + rec["status"] if not rec["previous_status"] else f"note ({rec['status']})"))
            rows.append([str(rec["date"]), str(rec["id"]), move, f"— {rec['note']}" if rec["note"] else ""])
        lines += format_table([], rows, indent="  ")
    return "\n".join(lines) + "\n"
