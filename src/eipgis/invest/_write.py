"""Outputs of ``eipgis invest``: measures.json, measures.csv, sensitivity.csv and macc.png."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from .appraisal import appraise, macc_table, sensitivity

__all__ = ["OUTPUT_FILES", "RECP_FILES", "SCREENING_FILES", "appraisal_document", "recp_texts",
           "screen_and_esmp", "write_appraisal", "write_texts"]

#: Files ``eipgis invest`` writes into its output folder (macc.png only when a measure avoids CO₂).
OUTPUT_FILES = ("measures.json", "measures.csv", "sensitivity.csv", "macc.png")
#: Files written when the park is given (E&S screening and the ESMP draft or the edited table).
SCREENING_FILES = ("screening.csv", "esmp.csv")
#: Files of ``eipgis invest --recp``: intensities against benchmarks, and the candidate measures.
RECP_FILES = ("recp_intensities.csv", "recp_candidates.csv")


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def appraisal_document(measures: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The JSON document: parameters used, one entry per measure (with its sensitivity), the MACC."""
    appraised = appraise(measures, params)
    sens = sensitivity(measures, params)
    macc = macc_table(appraised)
    items = []
    for row in appraised.to_dict("records"):
        item = {k: _clean(v) for k, v in row.items()}
        item["sensitivity"] = [{k: _clean(v) for k, v in r.items() if k != "id"}
                               for r in sens[sens["id"] == row["id"]].to_dict("records")]
        items.append(item)
    return {
        "currency": params["currency"],
        "discount_rate": params["discount_rate"],
        "unit_costs": params.get("unit_costs", {}),
        "prices": params.get("prices", {}),
        "measures": items,
        "macc": [{k: _clean(v) for k, v in r.items()} for r in macc.to_dict("records")],
    }


def screen_and_esmp(measures: Any, park: Any, *, links: Any = None, hazards: dict[str, str] | None = None,
                    esmp: str | os.PathLike[str] | None = None) -> tuple[Any, Any]:
    """The screening table, and the ESMP: the planner's edited file when given, else the draft."""
    from .screening import esmp_draft, read_esmp, screen

    screening = screen(park, measures, links=links, hazards=hazards)
    table = read_esmp(esmp, list(measures["id"])) if esmp is not None else esmp_draft(measures, screening)
    return screening, table


def write_appraisal(measures: Any, params: dict[str, Any], out_dir: str | os.PathLike[str], *,
                    lang: str = "en", overwrite: bool = False, park: Any = None, links: Any = None,
                    hazards: dict[str, str] | None = None,
                    esmp: str | os.PathLike[str] | None = None) -> list[Path]:
    """Render every output first, then write each atomically (no partial output on failure).

    With ``park``, each measure is screened (``screening.csv``) and the ESMP draft written
    (``esmp.csv``), or the planner's edited table ``esmp`` checked and carried.
    """
    import pandas as pd

    from ..io import csv_text, write_text
    from ..present.invest_page import macc_png

    extra: dict[str, str] = {}
    if park is not None:
        screening, table = screen_and_esmp(measures, park, links=links, hazards=hazards, esmp=esmp)
        extra = {"screening.csv": csv_text(screening), "esmp.csv": csv_text(table)}
    doc = appraisal_document(measures, params)
    appraised = pd.DataFrame([{k: v for k, v in m.items() if k != "sensitivity"} for m in doc["measures"]])
    sens = pd.DataFrame([{"id": m["id"], **s} for m in doc["measures"] for s in m["sensitivity"]])
    png = macc_png(pd.DataFrame(doc["macc"]) if doc["macc"] else pd.DataFrame(), currency=params["currency"],
                   lang=lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_text(out / "measures.json", json.dumps(doc, ensure_ascii=False, indent=2), overwrite=overwrite),
        write_text(out / "measures.csv", csv_text(appraised), overwrite=overwrite),
        write_text(out / "sensitivity.csv", csv_text(sens), overwrite=overwrite),
    ]
    written += [write_text(out / name, text, overwrite=overwrite) for name, text in extra.items()]
    if png is not None:
        from ..io import atomic_path

        with atomic_path(out / "macc.png", overwrite=overwrite) as tmp:
            tmp.write_bytes(png)
        written.append(out / "macc.png")
    return written


def recp_texts(intensities: Any, candidates: Any) -> dict[str, str]:
    """The RECP outputs as CSV text, by file name."""
    from ..io import csv_text

    return {"recp_intensities.csv": csv_text(intensities), "recp_candidates.csv": csv_text(candidates)}


def write_texts(texts: dict[str, str], out_dir: str | os.PathLike[str], *, overwrite: bool = False) -> list[Path]:
    """Each text written atomically into ``out_dir`` under its name."""
    from ..io import write_text

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [write_text(out / name, text, overwrite=overwrite) for name, text in texts.items()]
