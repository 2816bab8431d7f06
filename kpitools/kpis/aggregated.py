"""KPIs from aggregated tables: counts per row, or published percentages with their n.

A table whose rows are already counts — a hospital's promoters, passives and detractors; a
month's satisfied answers of all answers; a quarter's complaints and customers — gives the
same KPI as the answers it counts. `kpitools.summarize` and `kpitools.compare` take such a
table with ``counts=`` (or ``successes=``/``trials=``, or ``shares=``/``n=``) instead of
``value=``: the counts of the rows of each group are summed, then the KPI's count-level
interval and test are applied, so the result equals the row-level result on the same data
expanded to one row per answer.

=================  ==========================================  ===============================
kind               ``counts=`` roles                           ``shares=`` roles (with ``n=``)
=================  ==========================================  ===============================
``"proportion"``   ``successes``, ``trials``                   ``successes`` (a % of n)
``"nps"``          ``promoters``, ``passives``, ``detractors``  ``promoters``, ``detractors``
                                                               (``passives`` optional)
``"rate"``         ``events``, ``exposure``                    —
=================  ==========================================  ===============================

The kind is the KPI's (``catalogue()["aggregated_input"]``): proportion for CSAT, the
yes/no share, the operations rates and SLA attainment; nps for NPS and eNPS; rate for ticket
volumes and complaints per 1,000.

Published percentages are turned into counts as ``share × n / 100`` rounded to the nearest
whole number, half to even (``numpy.rint``, as `kpitools.nps_from_percentages` does);
passives are ``n − promoters − detractors``. The result says so in ``attrs["aggregated"]``.

A row with a missing count, share or n is excluded and counted (``missing="raise"`` refuses
it); a row with a negative or fractional count, a share outside 0–100, more successes than
trials or promoters and detractors above n raises a `DataValidationError` naming the column,
the rows and the values (``invalid="exclude"`` excludes and lists it). ``n_excluded`` then
counts excluded *rows of the aggregated table* (the number of answers they held is unknown).

>>> df = pd.DataFrame({"hospital": ["A", "A", "B"], "p": [30, 20, 10], "pa": [10, 5, 5],
...                    "d": [10, 5, 15]})
>>> spec = aggregated_input("nps", counts={"promoters": "p", "passives": "pa",
...                                        "detractors": "d"})
>>> out = summarize_aggregated(df, ["hospital"], "nps", spec, confidence_level=0.95)
>>> out[["hospital", "estimate", "n"]]
  hospital   estimate   n
0        A  43.750000  80
1        B -16.666667  30
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import Comparison
from kpitools.core.validation import check_alternative, check_choice, check_confidence_level
from kpitools.kpis.catalogue import KpiDefinition
from kpitools.kpis.common import compare_proportions, group_table, proportion_columns
from kpitools.kpis.survey.nps import compare_nps_counts, nps_columns
from kpitools.kpis.volume import rate_comparison
from kpitools.stats.intervals import DIFF_METHODS, NPS_METHODS, PROPORTION_METHODS
from kpitools.stats.poisson import POISSON_METHODS, poisson_ci
from kpitools.tables.events import RowIssues
from kpitools.tables.keys import group_codes

__all__ = [
    "AGGREGATE_ROLES",
    "SHARE_ROLES",
    "AggregatedInput",
    "aggregated_input",
    "aggregate_counts",
    "check_aggregated_options",
    "summarize_aggregated",
    "compare_aggregated",
]

#: The count columns of each kind of aggregated input.
AGGREGATE_ROLES: dict[str, tuple[str, ...]] = {
    "proportion": ("successes", "trials"),
    "nps": ("promoters", "passives", "detractors"),
    "rate": ("events", "exposure"),
}
#: The share columns (in %, with ``n=``) of each kind; passives of NPS are optional.
SHARE_ROLES: dict[str, tuple[str, ...]] = {
    "proportion": ("successes",),
    "nps": ("promoters", "passives", "detractors"),
}
_DEFAULT_METHOD = {"proportion": "wilson", "nps": "adjusted_wald", "rate": "exact"}
_DEFAULT_DIFF_METHOD = {"proportion": "newcombe", "nps": "adjusted_wald"}
_ROUNDING = ("counts from published percentages: share × n / 100 rounded to the nearest "
             "whole number (half to even)")


@dataclass(frozen=True)
class AggregatedInput:
    """Which columns of an aggregated table hold the counts (or shares) of one KPI.

    Attributes
    ----------
    kpi, kind : str
        The KPI and its kind (``"proportion"``, ``"nps"``, ``"rate"``).
    columns : dict
        Role → column (``{"successes": "top2", "trials": "n"}``).
    n : str or None
        The column of the number of answers when ``columns`` holds shares in %.
    """

    kpi: str
    kind: str
    columns: dict[str, str]
    n: str | None = None

    @property
    def from_shares(self) -> bool:
        return self.n is not None

    def describe(self) -> str:
        """One line: which columns were read, and how shares became counts."""
        listed = ", ".join(f"{role}={col!r}" for role, col in self.columns.items())
        if self.from_shares:
            return f"aggregated input: shares in % ({listed}) of n={self.n!r}; {_ROUNDING}"
        return f"aggregated input: counts per row ({listed}), summed per group"


def aggregated_input(kpi: str | KpiDefinition, *, counts: Mapping[str, str] | None = None,
                     successes: str | None = None, trials: str | None = None,
                     shares: Mapping[str, str] | str | None = None,
                     n: str | None = None) -> AggregatedInput | None:
    """The aggregated input given to `kpitools.summarize`/`compare`, checked; None if none.

    Parameters
    ----------
    kpi : str or KpiDefinition
    counts : mapping, optional
        Role → column of counts (roles in `AGGREGATE_ROLES` of the KPI's kind).
    successes, trials : str, optional
        Shorthand of ``counts={"successes": ..., "trials": ...}`` (proportion KPIs).
    shares : mapping or str, optional
        Role → column of percentages (0–100) of ``n``; a single column name is the
        ``successes`` share of a proportion KPI.
    n : str, optional
        Column of the number of answers behind ``shares`` (required with them).

    Raises
    ------
    TypeError
        The KPI takes no aggregated input, or counts and shares are mixed.
    ValueError
        A role the KPI's kind does not have, or a role missing.
    """
    from kpitools.kpis.catalogue import get_kpi

    definition = kpi if isinstance(kpi, KpiDefinition) else get_kpi(kpi)
    if successes is not None or trials is not None:
        if counts is not None:
            raise TypeError("give counts= or successes=/trials=, not both")
        counts = {k: v for k, v in (("successes", successes), ("trials", trials))
                  if v is not None}
    if isinstance(shares, str):
        shares = {"successes": shares}
    if counts is None and shares is None:
        if n is not None:
            raise TypeError("n= goes with shares= (percentages of n answers)")
        return None
    name = definition.name
    kind = definition.aggregate
    if kind is None:
        from kpitools.kpis.catalogue import catalogue

        table = catalogue()
        takes = ", ".join(table.loc[table["aggregated_input"] != "", "kpi"])
        raise TypeError(f"kpi={name!r} needs one row per item; aggregated input (counts=, "
                        f"successes=/trials=, shares=/n=) is taken by {takes}")
    if counts is not None and shares is not None:
        raise TypeError("give counts= or shares= (with n=), not both")
    if counts is not None:
        if n is not None:
            raise TypeError("n= goes with shares=; with counts=, n is the sum of the counts")
        columns = _roles(dict(counts), AGGREGATE_ROLES[kind], AGGREGATE_ROLES[kind], name,
                         "counts")
        return AggregatedInput(name, kind, columns)
    if kind not in SHARE_ROLES:
        raise TypeError(f"kpi={name!r} (a rate) takes counts={{'events': ..., 'exposure': "
                        "...}}, not shares")
    if n is None:
        raise TypeError("shares= needs n= (the column of the number of answers)")
    required = ("promoters", "detractors") if kind == "nps" else ("successes",)
    columns = _roles(dict(shares or {}), SHARE_ROLES[kind], required, name, "shares")
    return AggregatedInput(name, kind, columns, n=n)


def _roles(given: dict[str, Any], allowed: tuple[str, ...], required: tuple[str, ...],
           kpi: str, what: str) -> dict[str, str]:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValueError(f"{what}: {unknown} are not roles of kpi={kpi!r}; its roles are "
                         f"{', '.join(allowed)}")
    lacking = [r for r in required if r not in given]
    if lacking:
        raise ValueError(f"{what}: kpi={kpi!r} needs the role(s) {', '.join(lacking)}")
    for role, column in given.items():
        if not isinstance(column, str):
            raise TypeError(f"{what}[{role!r}] must be a column name (str), got {column!r}")
    return {r: given[r] for r in allowed if r in given}


def _numbers(data: pd.DataFrame, column: str, issues: RowIssues, *, what: str,
             whole: bool) -> np.ndarray:
    """One column as float; missing and invalid values go to ``issues`` (NaN returned)."""
    if column not in data.columns:
        shown = ", ".join(repr(c) for c in list(data.columns)[:20])
        raise DataValidationError(f"column not found; the data has {shown}", column=column)
    raw = data[column]
    if pd.api.types.is_bool_dtype(raw.dtype):
        values = np.full(len(raw), -1.0)
    else:
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    missing = raw.isna().to_numpy() | np.array(
        [isinstance(v, str) and v.strip() == "" for v in raw.to_numpy(dtype=object)])
    issues.add(missing, column=column, values=raw, reason=f"missing {what}", kind="missing")
    bad = ~missing & ~np.isfinite(values)
    with np.errstate(invalid="ignore"):
        bad |= ~missing & (values < 0)
        if whole:
            bad |= ~missing & np.isfinite(values) & (values != np.floor(values))
    kind = "non-negative whole numbers" if whole else "non-negative numbers"
    issues.add(bad, column=column, values=raw, reason=f"{what} are not {kind}")
    return np.where(missing | bad, np.nan, values)


def aggregate_counts(data: pd.DataFrame, spec: AggregatedInput, *,
                     invalid: Literal["raise", "exclude"] = "raise",
                     missing: Literal["exclude", "raise"] = "exclude"
                     ) -> tuple[dict[str, np.ndarray], RowIssues]:
    """Each row's counts (in the roles of `AGGREGATE_ROLES`), NaN where the row is excluded.

    Shares become counts as ``rint(share × n / 100)``; the rows left out are in the returned
    `RowIssues` with their reasons.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(data).__name__}")
    issues = RowIssues(data.index, invalid=invalid, missing=missing)
    out: dict[str, np.ndarray] = {}
    if not spec.from_shares:
        for role, column in spec.columns.items():
            whole = role != "exposure"
            out[role] = _numbers(data, column, issues, what=f"{role} counts" if whole
                                 else "exposures", whole=whole)
        if spec.kind == "proportion":
            with np.errstate(invalid="ignore"):
                over = out["successes"] > out["trials"]
            issues.add(over, column=spec.columns["successes"],
                       values=data[spec.columns["successes"]],
                       reason=f"successes above the trials of {spec.columns['trials']!r}")
        if spec.kind == "rate":
            with np.errstate(invalid="ignore"):
                zero = out["exposure"] <= 0
            issues.add(zero, column=spec.columns["exposure"],
                       values=data[spec.columns["exposure"]], reason="exposures are not positive")
    else:
        assert spec.n is not None
        n = _numbers(data, spec.n, issues, what="n (number of answers)", whole=True)
        for role, column in spec.columns.items():
            share = _numbers(data, column, issues, what=f"{role} shares in %", whole=False)
            with np.errstate(invalid="ignore"):
                issues.add(share > 100, column=column, values=data[column],
                           reason=f"{role} shares above 100 %")
            out[role] = np.rint(share * n / 100.0)
        if spec.kind == "proportion":
            out["trials"] = n
        else:
            given = out["promoters"] + out["detractors"] + out.get("passives", 0.0)
            with np.errstate(invalid="ignore"):
                over = given > n
            issues.add(over, column=spec.columns["promoters"],
                       values=data[spec.columns["promoters"]],
                       reason="promoters, passives and detractors above n (shares over 100 %)")
            if "passives" not in out:
                out["passives"] = n - out["promoters"] - out["detractors"]
    roles = AGGREGATE_ROLES[spec.kind]
    return {r: np.where(issues.mask, np.nan, out[r]) for r in roles}, issues


def check_aggregated_options(spec: AggregatedInput, options: Mapping[str, Any], *,
                             compare: bool = False) -> None:
    """TypeError naming each option that does not apply to aggregated input of this KPI.

    Aggregated input takes ``method``, ``alternative``, ``invalid`` and ``missing`` (and
    ``test`` when comparing proportions); the KPI's row-level options (``scale``,
    ``positive``, ``columns``, ...) describe answers the table no longer has.
    """
    allowed = {"alternative", "invalid", "missing"}
    if spec.kind != "rate" or not compare:
        allowed.add("method")
    if compare and spec.kind == "proportion":
        allowed.add("test")
    unknown = sorted(set(options) - allowed)
    if unknown:
        names = ", ".join(f"{k}=" for k in unknown)
        raise TypeError(f"kpi={spec.kpi!r} with aggregated input does not take the option(s) "
                        f"{names} (they describe row-level answers); its options are: "
                        f"{', '.join(sorted(allowed))}")


def summarize_aggregated(data: pd.DataFrame, keys: list[str], kpi: str | KpiDefinition,
                         spec: AggregatedInput, *, confidence_level: float = 0.95,
                         method: str | None = None, alternative: str = "two-sided",
                         invalid: Literal["raise", "exclude"] = "raise",
                         missing: Literal["exclude", "raise"] = "exclude") -> pd.DataFrame:
    """The KPI of every group of ``keys`` from the summed counts of its rows.

    Intervals: Wilson's score interval (proportions), the adjusted-Wald NPS interval, the
    exact Poisson interval (rates) by default — the KPI's own defaults, any of its methods.

    Returns
    -------
    DataFrame
        The ``keys`` columns then `kpitools.core.results.ESTIMATE_COLUMNS`;
        ``attrs["excluded"]`` lists the excluded rows and ``attrs["aggregated"]`` says
        which columns were read and how shares became counts.
    """
    from kpitools.kpis.catalogue import get_kpi

    definition = kpi if isinstance(kpi, KpiDefinition) else get_kpi(kpi)
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    kind = spec.kind
    method = method if method is not None else _DEFAULT_METHOD[kind]
    check_choice("method", method, {"proportion": PROPORTION_METHODS, "nps": NPS_METHODS,
                                    "rate": POISSON_METHODS}[kind])
    chosen: Any = method  # checked against the kind's methods just above
    counts, issues = aggregate_counts(data, spec, invalid=invalid, missing=missing)
    codes, groups = group_codes(data, keys)
    g = len(groups)
    used = ~issues.mask
    sums = {r: np.bincount(codes[used], weights=v[used], minlength=g) for r, v in
            counts.items()}
    n_excl = np.bincount(codes[issues.mask], minlength=g).astype(np.int64)
    unit = definition.unit
    if kind == "proportion":
        est, low, high = proportion_columns(sums["successes"], sums["trials"],
                                            confidence_level=level, method=chosen,
                                            alternative=alternative)
        n = sums["trials"]
    elif kind == "nps":
        n, est, low, high = nps_columns(sums["promoters"], sums["passives"],
                                        sums["detractors"], confidence_level=level,
                                        method=chosen, alternative=alternative)
    else:
        k, e = sums["events"], sums["exposure"]
        scale = definition.aggregate_scale
        with np.errstate(invalid="ignore", divide="ignore"):
            est = scale * k / e
        low, high = np.full(g, np.nan), np.full(g, np.nan)
        ok = e > 0
        if ok.any():
            lo, hi = poisson_ci(k[ok], e[ok], confidence_level=level,
                                method=chosen, alternative=alternative)
            low[ok], high[ok] = scale * np.asarray(lo), scale * np.asarray(hi)
        n = k
        unit = "per unit of exposure" if unit == "count" else unit
    table = group_table(groups, {
        "kpi": definition.name, "estimate": est, "ci_low": low, "ci_high": high,
        "confidence_level": level, "method": chosen, "unit": unit,
        "n": np.asarray(n).astype(np.int64), "n_excluded": n_excl}, issues.excluded())
    table.attrs["aggregated"] = spec.describe()
    return table


def compare_aggregated(a: pd.DataFrame, b: pd.DataFrame, kpi: str | KpiDefinition,
                       spec: AggregatedInput, *, confidence_level: float = 0.95,
                       method: str | None = None, alternative: str = "two-sided",
                       test: str = "auto", invalid: Literal["raise", "exclude"] = "raise",
                       missing: Literal["exclude", "raise"] = "exclude", label_a: str = "a",
                       label_b: str = "b") -> Comparison:
    """Compare the KPI of the summed counts of the rows of ``b`` against those of ``a``.

    Proportions: Newcombe's interval of ``b − a`` and the two-proportion z / Fisher test
    (`kpitools.kpis.common.compare_proportions`); NPS: the interval and z test of
    `kpitools.compare_nps` on counts; rates: the exact conditional rate ratio ``b / a``
    (`kpitools.kpis.volume.rate_comparison`).
    """
    from kpitools.kpis.catalogue import get_kpi

    definition = kpi if isinstance(kpi, KpiDefinition) else get_kpi(kpi)
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    kind = spec.kind
    ca, ia = aggregate_counts(a, spec, invalid=invalid, missing=missing)
    cb, ib = aggregate_counts(b, spec, invalid=invalid, missing=missing)
    sa = {r: float(np.nansum(v)) for r, v in ca.items()}
    sb = {r: float(np.nansum(v)) for r, v in cb.items()}
    details = {"n_excluded_a": ia.n_excluded, "n_excluded_b": ib.n_excluded,
               "aggregated": spec.describe()}
    if kind == "rate":
        if method is not None:
            raise TypeError(f"kpi={definition.name!r}: the rate ratio has one method (exact "
                            "conditional); method= does not apply")
        for label, s in ((label_a, sa), (label_b, sb)):
            if s["exposure"] <= 0:
                raise DataValidationError(f"no exposure in {label}: no usable rows",
                                          column=spec.columns["exposure"])
        unit = "per unit of exposure" if definition.unit == "count" else definition.unit
        out = rate_comparison(definition.name, int(sa["events"]), sa["exposure"],
                              int(sb["events"]), sb["exposure"], confidence_level=level,
                              alternative=alternative, label_a=label_a, label_b=label_b,
                              unit=unit, scale=definition.aggregate_scale)
        from dataclasses import replace

        return replace(out, details={**out.details, **details})
    if kind == "nps":
        chosen = method if method is not None else _DEFAULT_DIFF_METHOD[kind]
        check_choice("method", chosen, NPS_METHODS)
        roles = AGGREGATE_ROLES["nps"]
        return compare_nps_counts(
            tuple(int(sa[r]) for r in roles), tuple(int(sb[r]) for r in roles),  # type: ignore[arg-type]
            confidence_level=level, method=chosen, alternative=alternative,  # type: ignore[arg-type]
            label_a=label_a, label_b=label_b, kpi=definition.name, details=details)
    chosen = method if method is not None else _DEFAULT_DIFF_METHOD[kind]
    check_choice("method", chosen, DIFF_METHODS)
    for label, s in ((label_a, sa), (label_b, sb)):
        if s["trials"] <= 0:
            from kpitools.core.validation import require_nonempty

            require_nonempty(0, what=f"{definition.name} of {label}")
    return compare_proportions(int(sa["successes"]), int(sa["trials"]), int(sb["successes"]),
                               int(sb["trials"]), kpi=definition.name, confidence_level=level,
                               alternative=alternative, method=chosen,  # type: ignore[arg-type]
                               test=test, label_a=label_a, label_b=label_b,  # type: ignore[arg-type]
                               details=details)
