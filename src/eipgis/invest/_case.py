"""The investment case of one measure: everything its document shows, gathered in one dictionary."""

from __future__ import annotations

import datetime as _dt
import math
from typing import TYPE_CHECKING, Any

from .appraisal import appraise, cash_flows, sensitivity
from .measures import InvestError

if TYPE_CHECKING:
    import pandas as pd

    from ..park import Park

__all__ = ["build_case"]


def _partners(m: dict[str, Any], park: Park | None, links: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The facilities (or enterprise) taking part, with their role; and the facility ids."""
    roles: list[tuple[str, str]] = []
    if m["kind"] == "recp":
        roles.append((str(m.get("enterprise")), "role_enterprise"))
    elif links is not None and "link_id" in links.columns:
        row = links[links["link_id"].astype(str) == str(m.get("link"))]
        if len(row):
            roles += [(str(row["supplier"].iloc[0]), "role_supplier"), (str(row["receiver"].iloc[0]),
                                                                         "role_receiver")]
    if park is None:
        return [{"id": i, "name": i, "role": r, "sector": None, "workers": None} for i, r in roles], []
    fac = park.facilities
    ent = getattr(park, "enterprises", None)
    by_fac = {str(f): rec for f, rec in zip(fac["facility_id"], fac.to_dict("records"), strict=True)} \
        if not fac.empty else {}
    by_ent = {str(e): rec for e, rec in zip(ent["enterprise_id"], ent.to_dict("records"), strict=True)} \
        if ent is not None and not ent.empty else {}
    out, ids = [], []
    for pid, role in roles:
        rec = by_ent.get(pid) or by_fac.get(pid) or {}
        fid = str(rec.get("facility_id") or pid)
        if fid in by_fac:
            ids.append(fid)
        facility = by_fac.get(fid, {})
        workers = rec.get("workers")
        out.append({"id": pid, "name": str(rec.get("name") or facility.get("name") or pid), "role": role,
                    "sector": rec.get("sector") or facility.get("sector"),
                    "workers": None if workers is None or (isinstance(workers, float) and math.isnan(workers))
                    else workers})
    return out, ids


def _workplan(m: dict[str, Any], register: pd.DataFrame | None,
              workplan: pd.DataFrame | None) -> list[dict[str, Any]]:
    if workplan is not None:
        rows = workplan[workplan["measure"].astype(str) == str(m["id"])] if "measure" in workplan.columns \
            else workplan
        return [{"task": str(r.get("task", "")), "owner": r.get("owner") or "", "start": r.get("start") or "",
                 "end": r.get("end") or ""} for r in rows.to_dict("records")]
    opp = m.get("opportunity")
    if register is None or not opp:
        return []
    events = register[register["id"].astype(str) == str(opp)]
    return [{"task": str(e["next_step"]), "owner": "", "start": str(e["date"]), "end": ""}
            for e in events.to_dict("records") if str(e.get("next_step") or "").strip()]


def _risks(m: dict[str, Any], sens: pd.DataFrame, params: dict[str, Any], register: pd.DataFrame | None,
           screening: dict[str, Any] | None, w: dict[str, str]) -> list[str]:
    risks = []
    opp = m.get("opportunity")
    if register is not None and opp:
        barriers = [str(b) for b in register.loc[register["id"].astype(str) == str(opp), "barriers"]
                    if str(b or "").strip()]
        if barriers:
            risks.append(w["risk_barriers"].format(text="; ".join(dict.fromkeys(barriers))))
    if m["npv"] >= 0:
        for row in sens.to_dict("records"):
            if row["parameter"] != "base" and row["npv"] < 0:
                risks.append(w["risk_sensitive"].format(what=w[f"p_{row['parameter']}"],
                                                        change=f"{row['change'] * 100:+.0f} %"))
    assumed = [k for k, v in _statuses(params, m).items() if v == "assumption"]
    if assumed:
        risks.append(w["risk_assumption"].format(n=len(assumed), names=", ".join(assumed)))
    if screening:
        exposure = [f"{k[:-4]} {v:g}" for k, v in screening.items()
                    if k.endswith("_max") and isinstance(v, float) and math.isfinite(v) and v > 0]
        if exposure:
            risks.append(w["risk_hazard"].format(text=", ".join(exposure)))
    return risks


def _statuses(params: dict[str, Any], m: dict[str, Any]) -> dict[str, str]:
    """Status of each parameter the measure uses: the discount rate, the unit cost of an estimated
    capex, the price of its benefit and the grid factor of a RECP measure's CO₂."""
    out = {"discount_rate": str(params["discount_rate"].get("status", "sourced"))}
    used = {("prices", m.get("price")),
            ("unit_costs", m.get("mode") if str(m.get("capex_basis") or "").startswith("estimate") else None),
            ("emission_factors", "grid_electricity" if m.get("kind") == "recp" and m.get("price") == "electricity"
             else None)}
    for section, key in sorted(used, key=str):
        spec = (params.get(section) or {}).get(key) if isinstance(key, str) else None
        if spec is not None:
            out[f"{section}.{key}"] = str(spec.get("status", "sourced"))
    return out


def build_case(measure_id: str, measures: pd.DataFrame, params: dict[str, Any], *, lang: str = "en",
               park: Park | None = None, links: Any = None, register: pd.DataFrame | None = None,
               screening: pd.DataFrame | None = None, esmp: pd.DataFrame | None = None,
               workplan: pd.DataFrame | None = None) -> dict[str, Any]:
    """Everything the case document of ``measure_id`` shows (see :func:`present.invest_page.case_document`)."""
    from .. import __version__
    from .._words import INVEST_WORDS, check_lang

    w = INVEST_WORDS[check_lang(lang)]
    chosen = measures[measures["id"].astype(str) == str(measure_id)]
    if chosen.empty:
        raise InvestError(f"--case {measure_id}: no such measure. Fix: use one of "
                          f"{', '.join(measures['id'].astype(str))}.")
    m = appraise(chosen, params).iloc[0].to_dict()
    rate = float(params["discount_rate"]["value"])
    flows = cash_flows(m["capex"], m["net_per_year"], int(m["lifetime_years"]))
    discounted = [f / (1 + rate) ** y for y, f in enumerate(flows)]
    cumulative = [sum(discounted[: y + 1]) for y in range(len(discounted))]
    sens = sensitivity(chosen, params)
    partners, facility_ids = _partners(m, park, links)
    screen_row = None
    if screening is not None and len(screening):
        rows = screening[screening["id"].astype(str) == str(measure_id)]
        screen_row = {k: v for k, v in rows.iloc[0].to_dict().items() if k != "id"} if len(rows) else None
    picture = None
    length = m.get("length_m")
    if park is not None:
        from ..present._charts import map_picture

        route = None
        if links is not None and hasattr(links, "geometry") and "link_id" in links.columns:
            route = links[links["link_id"].astype(str) == str(m.get("link"))]
            if len(route) and not length:
                length = float(route["distance_m"].astype(float).iloc[0])
        shown = m.get("title_vi") if lang == "vi" and m.get("title_vi") else m["title"]
        picture = map_picture(park, None, lang, links=route, title=str(shown))
    elif links is not None and "link_id" in links.columns and not length:
        row = links[links["link_id"].astype(str) == str(m.get("link"))]
        length = float(row["distance_m"].astype(float).iloc[0]) if len(row) else None
    return {
        "measure": m, "currency": params["currency"], "partners": partners, "facility_ids": facility_ids,
        "length_m": length, "map": picture, "cash_flows": flows, "discounted": discounted,
        "cumulative": cumulative, "sensitivity": sens.to_dict("records"),
        "screening": screen_row,
        "esmp": esmp[esmp["measure"].astype(str) == str(measure_id)].to_dict("records") if esmp is not None
        else None,
        "workplan": _workplan(m, register, workplan),
        "risks": _risks(m, sens, params, register, screen_row, w),
        "parameter_status": _statuses(params, m), "park": park.name if park is not None else None,
        "date": _dt.date.today().isoformat(), "version": __version__,
    }
