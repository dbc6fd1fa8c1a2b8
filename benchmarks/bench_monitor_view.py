"""Time what ``eipgis monitor show`` does after reading the store: 100 parks × 20 dates × 10 criteria.

Usage::

    PYTHONPATH=src python benchmarks/bench_monitor_view.py [--parks 100] [--dates 20] [--criteria 10] [--repeat 5]
                                            [--out benchmarks/results_monitor_view.json]

The series table has the columns of ``eipgis.monitor.series`` (one row per park, date and
criterion: 100 × 20 × 10 = 20,000 rows, 2,000 series). Dates are 31 December of 2007–2026;
values are seeded random walks; one record in 25 is not assessed (value NaN, a reason). Criteria
alternate ``>=`` land shares, ``<=`` shares and a per-feature indicator (plot_building_density).
Every park has a target for every criterion.

Timed, each the best and the median of ``--repeat`` runs in this process (imports done first):
``summarise`` (the JSON dict), ``json.dumps`` of it, and ``summary_table`` (the terminal text).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from eipgis.monitor.summary import summarise, summary_table


def series_table(parks: int, dates: int, criteria: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The synthetic series and targets (see the module docstring)."""
    rng = np.random.default_rng(seed)
    days = [_dt.date(2026 - dates + 1 + i, 12, 31) for i in range(dates)]
    kinds = [("landuse_share", ">=", 0.10), ("landuse_share", "<=", 0.60), ("plot_building_density", "<=", 0.70)]
    n = parks * dates * criteria
    park = np.repeat([f"Park {i:03d}" for i in range(parks)], dates * criteria)
    date = np.tile(np.repeat(np.array(days, dtype=object), criteria), parks)
    cid = np.tile([f"C{j:02d}" for j in range(criteria)], parks * dates)
    kind = [kinds[j % len(kinds)] for j in range(criteria)]
    ind = np.tile([k[0] for k in kind], parks * dates)
    op = np.tile([k[1] for k in kind], parks * dates)
    thr = np.tile([k[2] for k in kind], parks * dates)
    steps = rng.normal(0.0, 0.01, size=(parks, dates, criteria)).cumsum(axis=1) + 0.2
    value = np.clip(steps, 0, 1).transpose(0, 1, 2).reshape(-1)
    per_feature = ind == "plot_building_density"
    value = np.where(per_feature, np.round(value * 20), value)
    assessed = rng.random(n) >= 0.04
    passed = np.where(op == ">=", value >= thr, value <= thr)
    passed = np.where(per_feature, value == 0, passed)
    frame = pd.DataFrame({
        "park": park, "date": date, "criteria_set": "bench", "id": cid, "title_en": cid, "title_vi": cid,
        "indicator": ind, "unit": "share", "op": op, "threshold": thr,
        "value": np.where(assessed, value, np.nan),
        "passed": pd.array(np.where(assessed, passed, False), dtype="boolean"),
        "assessed": assessed, "reason": np.where(assessed, None, "table enterprises absent"),
        "status": "unconfirmed", "source": "bench", "recorded_at": "2027-01-01T00:00:00", "eipgis_version": "0",
    })
    frame.loc[~assessed, "passed"] = pd.NA
    targets = pd.DataFrame({"park": None, "id": [f"C{j:02d}" for j in range(criteria)],
                            "value": [k[2] for k in kind], "by": _dt.date(2030, 12, 31)})
    return frame, targets


def _time(func, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return {"best_s": round(min(runs), 4), "median_s": round(statistics.median(runs), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parks", type=int, default=100)
    parser.add_argument("--dates", type=int, default=20)
    parser.add_argument("--criteria", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    frame, targets = series_table(args.parks, args.dates, args.criteria)
    summary = summarise(frame, targets)
    result = {
        "rows": len(frame),
        "series": sum(len(p["indicators"]) for p in summary["parks"]),
        "summarise": _time(lambda: summarise(frame, targets), args.repeat),
        "json_dumps": _time(lambda: json.dumps(summary, ensure_ascii=False), args.repeat),
        "summary_table": _time(lambda: summary_table(summary), args.repeat),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "date": _dt.date.today().isoformat(),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
