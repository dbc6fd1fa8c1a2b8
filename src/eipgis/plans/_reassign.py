"""Whole-parcel reassignments evaluated fast: per-parcel contributions once, then array sums."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..landuse import CLASSES

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..criteria import CriteriaSet
    from ..indicators import Measure
    from ..park import Park

__all__ = ["Evaluator", "linear_indicators"]


def linear_indicators() -> list[str]:
    """Indicators whose value is linear in the parcels' classes (the evaluator recomputes them).

    The registry says which (:attr:`eipgis.indicators.Indicator.linear`); any other indicator
    (e.g. ``safety_distance``) does not change when parcels change class.
    """
    from ..indicators import INDICATORS

    return [name for name, ind in INDICATORS.items() if ind.linear is not None]


@dataclass(frozen=True)
class _Term:
    """``value = (base + Σ_i weight_i · member[class_i]) / denominator`` for one criterion."""

    id: str
    weight: np.ndarray  # per parcel
    member: np.ndarray  # per class (bool as float)
    base: float
    denominator: float
    per_feature: bool
    op: str
    threshold: float


class Evaluator:
    """Criteria values for many reassignments of whole parcels, without redoing any overlay.

    Each criterion whose indicator is linear in the parcels' classes (land shares, the
    isolation strip, green cover, plot density and plot green counts, the WWTP count) is
    reduced once to a per-parcel weight (area, area inside the strip band, plot green,
    failing flag…) and a class membership; a reassignment then changes the value by
    ``Σ weight · (member[new] − member[old])`` over the parcels it moves. Other criteria
    (safety distances) keep their baseline value.

    Parameters
    ----------
    park : Park
        The park in its baseline state.
    criteria : str, path or CriteriaSet
        The criteria set to evaluate.

    Examples
    --------
    >>> ev = Evaluator(park, "vn-qcvn-01-2021")
    >>> ev.evaluate([{"P3": "green"}, {"P1": "traffic", "P2": "green"}])
    """

    def __init__(self, park: Park, criteria: str | CriteriaSet = "vn-qcvn-01-2021") -> None:
        import numpy as np

        from ..criteria import _judge, check, load_criteria
        from ..indicators import INDICATORS

        cset = load_criteria(criteria).in_force_on()  # the criteria check() judges today
        self.criteria_set = cset
        lu = park.landuse
        self.parcel_ids = lu["parcel_id"].astype(str).to_numpy()
        self._position = {p: i for i, p in enumerate(self.parcel_ids)}
        self.classes = np.array([CLASSES.index(c) for c in lu["landuse_class"]], dtype=np.int8)
        self.area_m2 = lu.geometry.area.to_numpy()
        report = check(park, cset)
        self.baseline = report
        terms: list[_Term | None] = []
        n_cls = len(CLASSES)
        for crit in cset.criteria:
            ind = INDICATORS[crit.indicator]
            if ind.linear is None:
                terms.append(None)
                continue
            term = ind.linear(park, dict(crit.params), _failing_of(crit, _judge))
            weight, base, denom = term.weight, term.base, term.denominator
            member = np.array([c in term.classes for c in CLASSES], dtype=float)
            thr = crit.threshold if not isinstance(crit.threshold, dict) else float("nan")
            per_feature = ind.per_feature
            assert member.shape == (n_cls,)
            terms.append(
                _Term(
                    crit.id,
                    np.asarray(weight, dtype=float),
                    member,
                    base,
                    float(denom),
                    per_feature,
                    crit.op,
                    float(thr),
                )
            )
        self._terms = terms
        self.criteria_ids = [c.id for c in cset.criteria]
        # Matrices: W (n × J), M (classes × J); constant criteria have zero columns.
        j = len(terms)
        self._weight = np.zeros((len(lu), j))
        self._member = np.zeros((n_cls, j))
        self._base = np.zeros(j)
        self._denom = np.ones(j)
        for k, t in enumerate(terms):
            if t is None:
                continue
            self._weight[:, k] = t.weight
            self._member[:, k] = t.member
            self._base[k] = t.base
            self._denom[k] = t.denominator
        self._numerator = self._base + (self._weight * self._member[self.classes]).sum(axis=0)
        self._constant_value = np.array([r.value for r in report.results], dtype=float)
        # A criterion not assessed (passed None) stays so whatever the plan: it never fails.
        self._constant_passed = np.array([r.passed is not False for r in report.results], dtype=bool)
        self._linear = np.array([t is not None for t in terms])

    # -- input conversion --------------------------------------------------------------------

    def index(self, parcel_ids: Sequence[str]) -> np.ndarray:
        """Row positions of parcel ids (unknown ids are an error naming them)."""
        import numpy as np

        unknown = [p for p in parcel_ids if p not in self._position]
        if unknown:
            from .._validate import ids_text

            raise InputError(
                f"unknown parcel id(s) {ids_text(unknown)}. Fix: use ids of the landuse layer."
            )
        return np.array([self._position[p] for p in parcel_ids], dtype=np.int64)

    @staticmethod
    def class_code(name: str) -> int:
        """The integer code of a land-use class (its position in :data:`eipgis.landuse.CLASSES`)."""
        if name not in CLASSES:
            raise InputError(
                f"unknown land-use class {name!r}. Fix: use one of {', '.join(CLASSES)}."
            )
        return CLASSES.index(name)

    # -- evaluation --------------------------------------------------------------------------

    def evaluate_arrays(
        self, offsets: np.ndarray, parcel_index: np.ndarray, new_class: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Values and pass flags of K reassignments given in compressed form.

        Parameters
        ----------
        offsets : int array, length K + 1
            Reassignment ``k`` moves ``parcel_index[offsets[k]:offsets[k+1]]`` to the classes
            ``new_class[offsets[k]:offsets[k+1]]`` (codes of :meth:`class_code`). A parcel
            appears at most once per reassignment.
        parcel_index, new_class : int arrays

        Returns
        -------
        values : float array (K, J)
            Each criterion's value (per-feature criteria: the number of failing features).
        passed : bool array (K, J)
        """
        import numpy as np

        from ..criteria import _EPS, _OPS

        offsets = np.asarray(offsets, dtype=np.int64)
        idx = np.asarray(parcel_index, dtype=np.int64)
        new = np.asarray(new_class, dtype=np.int64)
        k = len(offsets) - 1
        delta = self._weight[idx] * (self._member[new] - self._member[self.classes[idx]])
        which = np.repeat(np.arange(k), np.diff(offsets))
        change = np.zeros((k, delta.shape[1]))
        _segment_sum(change, which, delta)
        values = (self._numerator + change) / self._denom
        passed = np.empty_like(values, dtype=bool)
        for j, t in enumerate(self._terms):
            if t is None:
                values[:, j] = self._constant_value[j]
                passed[:, j] = self._constant_passed[j]
                continue
            if t.per_feature:
                values[:, j] = np.rint(values[:, j])
                passed[:, j] = values[:, j] == 0
            else:
                tol = max(abs(t.threshold), 1.0) * _EPS
                shifted = values[:, j] + (tol if t.op in (">=", ">") else -tol)
                passed[:, j] = _OPS[t.op](shifted, t.threshold)
        return values, passed

    def evaluate(self, reassignments: Sequence[Mapping[str, str]]) -> pd.DataFrame:
        """Values of a few reassignments ``{parcel_id: class}``, one row each (plus ``failing``).

        The first row is the baseline (no change).
        """
        import numpy as np
        import pandas as pd

        offsets = [0]
        idx: list[int] = []
        new: list[int] = []
        for item in [{}, *reassignments]:
            idx.extend(self.index(list(item.keys())).tolist())
            new.extend(self.class_code(c) for c in item.values())
            offsets.append(len(idx))
        values, passed = self.evaluate_arrays(np.array(offsets), np.array(idx), np.array(new))
        frame = pd.DataFrame(values, columns=self.criteria_ids)
        for j, cid in enumerate(self.criteria_ids):
            frame[f"{cid} passed"] = passed[:, j]
        frame["failing"] = (~passed).sum(axis=1)
        return frame


def _failing_of(crit: Any, judge: Callable[[Any, Measure], Any]) -> Callable[[Measure], list[str]]:
    """The ids of the features that fail ``crit`` in a measure."""

    def failing(measure: Measure) -> list[str]:
        return list(judge(crit, measure).features)

    return failing


def _segment_sum(out: Any, which: Any, delta: Any) -> None:
    """``out[which[m]] += delta[m]`` for sorted ``which`` (one reduceat per call)."""
    import numpy as np

    if len(which) == 0:
        return
    starts = np.flatnonzero(np.r_[True, which[1:] != which[:-1]])
    out[which[starts]] += np.add.reduceat(delta, starts, axis=0)
