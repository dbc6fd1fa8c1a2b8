"""The whole Tằng Loỏng assessment on the embedded sample: every step, then every output file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import OutputError

if TYPE_CHECKING:
    import pandas as pd

    from .park import Park
    from .plans.scenario import Scenario
    from .symbiosis import SymbiosisResult

__all__ = ["CRITERIA_SETS", "Outputs", "assess"]

#: The criteria sets the assessment runs, in order.
CRITERIA_SETS = ("vn-qcvn-01-2021", "vn-eip-decree-35")


@dataclass(frozen=True)
class Outputs:
    """What :func:`assess` produced: the terminal text and the files written."""

    table: str
    files: tuple[Path, ...]


def assess(
    out_dir: str | os.PathLike[str] = "eipgis-output",
    *,
    overwrite: bool = False,
    lang: str = "en",
    park_path: str | os.PathLike[str] | None = None,
) -> Outputs:
    """Run the gap assessment of the embedded Tằng Loỏng sample and write its outputs.

    Everything is computed before anything is written, so a failure leaves no partial
    output; each file is written atomically.
    """
    from . import io, sample_path
    from .criteria import check
    from .park import load_park

    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise OutputError(
            f"{out}: folder exists and is not empty. Fix: pass --overwrite or choose another -o."
        )
    park = load_park(park_path or sample_path())
    data = None if park_path else tang_loong_tables(park)  # the data criteria's flows
    reports = [check(park, name, tables=data) for name in CRITERIA_SETS]
    network = None if park_path else tang_loong_symbiosis(park)  # symbiosis, issue 4

    contents: dict[str, str] = {}
    tables = []
    for report in reports:
        stem = f"tang_loong_{report.criteria_set}"
        contents[f"{stem}.json"] = report.to_json()
        contents[f"{stem}.md"] = report.to_markdown(lang=lang)
    # The last set extends the first, so its table holds every criterion once.
    tables.append(reports[-1].to_table(lang=lang))
    # Consultation web maps (English and Vietnamese) and the appraisal report (issue 5).
    from .present.report import report_html, report_markdown
    from .present.webmap import map_html, park_map

    links = getattr(network, "links", None)
    for map_lang in ("en", "vi"):
        contents[f"tang_loong_map_{map_lang}.html"] = map_html(
            park_map(park, report=reports[-1], links=links, lang=map_lang))
    # The report carries the scenarios that close the gaps (issue 14), as the comparison below does.
    scenarios = None if park_path else tang_loong_scenarios() or None
    contents["tang_loong_report.html"] = report_html(park, report=reports[-1], links=links, lang=lang,
                                                     scenarios=scenarios)
    contents["tang_loong_report.md"] = report_markdown(park, report=reports[-1], links=links, lang=lang,
                                                       scenarios=scenarios)
    # The candidate restructurings of scenarios/, compared side by side (issue 3).
    comparison = None if park_path else tang_loong_comparison(park)
    if comparison is not None:
        from .plans.scenario import comparison_to_json, comparison_to_markdown, comparison_to_table

        contents["tang_loong_scenarios.json"] = comparison_to_json(comparison)
        contents["tang_loong_scenarios.md"] = comparison_to_markdown(comparison, lang=lang)
        tables.append("\n" + comparison_to_table(comparison, lang=lang))
    # The measures of tang_loong_measures.csv appraised on the network's links, and one case (issue 13).
    invest = None if network is None else tang_loong_investment(park, network, lang)
    if invest is not None:
        contents.update(invest.texts)
        tables.append("\n" + invest.table)
    files = tuple(io.write_text(out / name, text, overwrite=True) for name, text in contents.items())
    if invest is not None and invest.macc is not None:
        with io.atomic_path(out / "invest" / "macc.png", overwrite=True) as tmp:
            tmp.write_bytes(invest.macc)
        files += (out / "invest" / "macc.png",)
    # The Tằng Loỏng history 2022–2026 recorded into a monitoring store, and its summary (issue 11).
    monitoring = tang_loong_monitoring(out, lang)
    if monitoring is not None:
        files += monitoring[0]
        tables.append("\n" + monitoring[1])
    if network is not None:
        files += tuple(network.write(out / "symbiosis", overwrite=True))
        tables.append(f"\nSymbiosis: {network.summary['links']} links, "
                      f"{network.summary['links_on_network']} routed on the road network\n")
    return Outputs(table="\n".join(tables), files=files)


def tang_loong_symbiosis(park: Park) -> SymbiosisResult | None:
    """The Tằng Loỏng symbiosis network from the tenants' published capacities (layers/README.md).

    Reads ``tang_loong_flows.csv`` and ``lao_cai_roads.osm`` beside the sample GeoPackage;
    returns None when they are not installed with this copy of eipgis.
    """
    from . import sample_path
    from .symbiosis import load_network, match, read_flows

    folder = Path(sample_path()).parent
    flows, roads = folder / "tang_loong_flows.csv", folder / "lao_cai_roads.osm"
    if not flows.exists():
        return None
    network = load_network(roads, crs=park.crs) if roads.exists() else None
    return match(park, read_flows(flows, park), network=network)


@dataclass(frozen=True)
class _Investment:
    texts: dict[str, str]
    macc: bytes | None
    table: str


def tang_loong_investment(park: Park, network: SymbiosisResult, lang: str) -> _Investment | None:
    """The Tằng Loỏng measures appraised (ranked by NPV) and the case of the best one.

    Returns None when ``tang_loong_measures.csv`` is not installed beside the sample.
    """
    import json

    from . import sample_path
    from .invest import load_parameters, read_measures
    from .invest._case import build_case
    from .invest._write import appraisal_document, screen_and_esmp
    from .io import csv_text
    from .present.invest_page import case_document, macc_png
    from .present.report import _to_html

    path = Path(sample_path()).parent / "tang_loong_measures.csv"
    if not path.exists():
        return None
    import pandas as pd

    params = load_parameters()
    table = read_measures(path, params, links=network.links, enterprises=getattr(park, "enterprises", None))
    doc = appraisal_document(table, params)
    screening, esmp = screen_and_esmp(table, park, links=network.links)
    ranked = sorted(doc["measures"], key=lambda m: -m["npv"])
    best = ranked[0]["id"]
    case = build_case(best, table, params, lang=lang, park=park, links=network.links, screening=screening,
                      esmp=esmp)
    appraised = pd.DataFrame([{k: v for k, v in m.items() if k != "sensitivity"} for m in doc["measures"]])
    texts = {
        "invest/measures.json": json.dumps(doc, ensure_ascii=False, indent=2),
        "invest/measures.csv": csv_text(appraised),
        "invest/screening.csv": csv_text(screening),
        "invest/esmp.csv": csv_text(esmp),
        f"invest/case_{best}.html": _to_html(case_document(case, lang=lang)),
    }
    from ._tables import format_table

    cur = params["currency"]
    rows = [(m["id"], f"{m['npv'] / 1e9:,.2f} bn {cur}",
             "–" if m["irr"] is None else f"{m['irr'] * 100:.1f} %",
             "–" if m["payback_years"] is None else f"{m['payback_years']:.1f}",
             "–" if m["cost_per_t_co2"] is None else f"{m['cost_per_t_co2']:,.0f}") for m in ranked]
    lines = ["Measures ranked by NPV (illustrative figures; layers/tang_loong_measures.csv):", ""]
    lines += format_table(("measure", "NPV", "IRR", "payback yr", f"{cur}/t CO2"), rows)
    lines.append(f"Investment case of {best}: invest/case_{best}.html")
    png = macc_png(pd.DataFrame(doc["macc"]), currency=cur, lang=lang) if doc["macc"] else None
    return _Investment(texts=texts, macc=png, table="\n".join(lines) + "\n")


def tang_loong_tables(park: Park) -> dict[str, pd.DataFrame] | None:
    """The flow inventory and the register beside the sample, as the data criteria's ``flows``
    and ``register`` (its current state)."""
    from . import sample_path
    from .symbiosis import criteria_tables

    folder = Path(sample_path()).parent
    flows, register = folder / "tang_loong_flows.csv", folder / "tang_loong_register.csv"
    tables = criteria_tables(park, flows=flows if flows.exists() else None,
                             register=register if register.exists() else None)
    return tables or None


#: The criteria set the history is recorded with: it extends the dated predecessors, so each year
#: is judged by the rules in force then (Decree 82/2018 until 2022-07-15, then Decree 35/2022).
MONITORING_SET = "vn-eip-decree-35"


def tang_loong_monitoring(out: Path, lang: str) -> tuple[tuple[Path, ...], str] | None:
    """Record the illustrative yearly snapshots (``tang_loong_history/``) into
    ``tang_loong_monitoring.gpkg``, write the dashboard, and return the files and the summary table.

    Each year is recorded at its 31 December (today for the current year) with the rules then in
    force. Returns None when the history is not installed beside the sample.
    """
    import datetime as dt

    from . import io, sample_path
    from ._monitor_view_cli import show_text, write_monitor_report
    from .criteria import check
    from .monitor import open_store, record, series
    from .park import load_park
    from .symbiosis import criteria_tables

    def sample_file(name: str) -> Path | None:
        path = Path(sample_path()).parent / name
        return path if path.exists() else None

    folder = Path(sample_path()).parent / "tang_loong_history"
    years = sorted(folder.glob("tang_loong_20[0-9][0-9].gpkg"))
    if not years:
        return None
    store_path = out / "tang_loong_monitoring.gpkg"
    dashboard = out / "tang_loong_monitoring.html"
    today = dt.date.today()
    with io.atomic_path(store_path, overwrite=True) as tmp, open_store(tmp) as store:
        for path in years:
            year = int(path.stem.rsplit("_", 1)[1])
            day = min(dt.date(year, 12, 31), today)
            park = load_park(path)
            # the register as it stood that day (the flow inventory describes today's tenants only)
            data = criteria_tables(park, register=sample_file("tang_loong_register.csv"), as_of=day)
            report = check(park, MONITORING_SET, tables=data, as_of=day)
            record(store, park, report, date=day, name="Tằng Loỏng", tables=data)
        frame = series(store)
        text = show_text(frame, fmt="table", lang=lang)
        write_monitor_report(frame, dashboard, snapshot=store.snapshot, lang=lang, overwrite=True)
    heading = ("Monitoring 2022–2026 (illustrative history; tang_loong_monitoring.gpkg, "
               "tang_loong_monitoring.html):" if lang == "en" else
               "Theo dõi 2022–2026 (lịch sử minh họa; tang_loong_monitoring.gpkg, tang_loong_monitoring.html):")
    return (store_path, dashboard), f"{heading}\n\n{text}"


def tang_loong_comparison(park: Park) -> pd.DataFrame | None:
    """The Tằng Loỏng scenarios (``scenarios/tang_loong_*.yaml``) compared on ``park``.

    Returns None when the scenario files are not installed with this copy of eipgis.
    """
    from .plans.scenario import compare

    scenarios = tang_loong_scenarios()
    return compare(scenarios, park, criteria=CRITERIA_SETS[0]) if scenarios else None


def tang_loong_scenarios() -> list[Scenario]:
    """The Tằng Loỏng scenario files (``scenarios/tang_loong_*.yaml``) read; empty when not installed."""
    from .plans.scenario import Scenario

    here = Path(__file__).resolve().parent
    for folder in (here / "data" / "scenarios", here.parents[1] / "scenarios"):
        files = sorted(folder.glob("tang_loong_*.yaml"))
        if files:
            return [Scenario.from_yaml(f) for f in files]
    return []
