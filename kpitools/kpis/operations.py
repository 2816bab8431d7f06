"""Service-operations proportions, backlog, agent utilisation and productivity.

Proportion KPIs (each in %, Wilson interval by default, Newcombe difference and the
two-proportion z / Fisher test for comparisons; see `kpitools.stats.intervals`):

=====================  ============================================  ========================
KPI                    numerator                                     denominator
=====================  ============================================  ========================
``fcr``                resolved at first contact                     tickets with a known flag
``resolution_rate``    tickets resolved (by ``as_of``)               tickets received
``escalation_rate``    escalated tickets                             tickets
``reopen_rate``        reopened tickets                              tickets
``conversion_rate``    contacts followed by a purchase               contacts
``nia``                contacts *not* followed by another contact    contacts whose N-day
                       of the same customer within N days            window is complete
``abandonment_rate``   calls abandoned before answer                 calls offered (minus
                                                                     short abandons, if set)
``answer_rate``        calls answered                                as abandonment_rate
``service_level``      calls answered within X seconds               calls offered (or
                                                                     answered, if chosen)
=====================  ============================================  ========================

Every row left out of a denominator is listed in ``result.excluded`` with its reason
(missing flag, short abandon, incomplete follow-up window, ...), never dropped in silence.

References
----------
.. [Wilson27] Wilson EB (1927). Probable inference, the law of succession, and statistical
   inference. J Am Stat Assoc 22:209–212.
.. [Newcombe98b] Newcombe RG (1998). Interval estimation for the difference between
   independent proportions: comparison of eleven methods. Stat Med 17:873–890.
.. [ET93] Efron B, Tibshirani RJ (1993). An Introduction to the Bootstrap. Chapman & Hall
   (resampling agents: a cluster bootstrap of a ratio estimator).
.. [Garwood36] Garwood F (1936). Fiducial limits for the Poisson distribution. Biometrika
   28:437–442.
.. [COPC] COPC Inc. / ICMI definitions of service level (X % answered in Y seconds) and
   abandonment; short abandons are commonly excluded below 5–10 seconds.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import (
    ESTIMATE_COLUMNS,
    Comparison,
    KpiEstimate,
    as_excluded_rows,
    comparison_unit,
    empty_excluded,
)
from kpitools.core.validation import (
    check_alternative,
    check_choice,
    check_confidence_level,
    excluded_frame,
    require_nonempty,
    warn_if_small,
)
from kpitools.kpis.catalogue import KpiDefinition, options_of, register_kpi
from kpitools.kpis.common import (
    compare_proportion_cells,
    compare_proportions,
    no_value,
    proportion_columns,
)
from kpitools.kpis.volume import (
    PoissonMethod,
    count_estimate,
    poisson_ci,
    rate_comparison,
)
from kpitools.stats.common import pvalue_from_z, z_critical
from kpitools.stats.intervals import (
    PROPORTION_METHODS,
    DiffMethod,
    ProportionMethod,
    proportion_ci,
)
from kpitools.stats.significance import ProportionTest
from kpitools.tables.columns import require_columns, resolve_columns
from kpitools.tables.events import (
    RowIssues,
    align_time_zones,
    check_unique_ids,
    clean_flag,
    parse_timestamps,
)
from kpitools.tables.keys import group_codes

__all__ = [
    "PROPORTION_KPIS",
    "Outcome",
    "proportion_outcome",
    "proportion_kpi",
    "compare_proportions",
    "compare_proportion_kpi",
    "summarize_proportions",
    "fcr",
    "resolution_rate",
    "escalation_rate",
    "reopen_rate",
    "conversion_rate",
    "nia",
    "abandonment_rate",
    "answer_rate",
    "service_level",
    "nia_decisions",
    "backlog",
    "BacklogRows",
    "backlog_rows",
    "agent_utilisation",
    "productivity",
    "per_agent_estimate",
    "compare_per_agent",
]


@dataclass(frozen=True)
class Outcome:
    """Per-row outcome of a proportion KPI.

    Attributes
    ----------
    success : numpy.ndarray of float
        1 (counts in the numerator), 0 (denominator only) or NaN (not in the denominator).
    issues : RowIssues
        Rows left out, with reasons.
    details : dict
        Definition choices (threshold, denominator, ...) recorded with the result.
    """

    success: np.ndarray
    issues: RowIssues
    details: dict[str, Any] = field(default_factory=dict)
    check_groups: Callable[[np.ndarray, pd.DataFrame], None] | None = field(
        default=None, compare=False, repr=False)
    """Called by grouped summaries with the row group codes and the group keys: raises where a
    group's number would be wrong (e.g. a team whose answered calls all lack their wait)."""


def _frame(data: Any) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(data).__name__}")
    return data


# ----------------------------------------------------------------------- ticket outcomes


def _ticket_flag(data: pd.DataFrame, role: str, *, columns: Mapping[str, str] | None,
                 invalid: str, missing: str) -> Outcome:
    cols = resolve_columns("tickets", columns)
    require_columns(data, cols, [role])
    issues = RowIssues(data.index, invalid=invalid, missing=missing)
    if cols["ticket_id"] in data.columns:
        check_unique_ids(data[cols["ticket_id"]], column=cols["ticket_id"], issues=issues)
    flag = clean_flag(data[cols[role]], column=cols[role], issues=issues)
    return Outcome(np.where(issues.mask, np.nan, flag), issues, {"column": cols[role]})


def _fcr(data: pd.DataFrame, *, definition: Literal["flag", "contacts"] = "flag",
         columns: Mapping[str, str] | None = None, invalid: str = "raise",
         missing: str = "exclude") -> Outcome:
    check_choice("definition", definition, ("flag", "contacts"))
    if definition == "flag":
        out = _ticket_flag(data, "first_contact_resolved", columns=columns, invalid=invalid,
                           missing=missing)
        out.details["definition"] = "flag"
        return out
    cols = resolve_columns("tickets", columns)
    require_columns(data, cols, ["contacts"])
    issues = RowIssues(data.index, invalid=invalid, missing=missing)
    col = cols["contacts"]
    raw = data[col]
    numeric = pd.to_numeric(raw, errors="coerce").astype(float).to_numpy()
    is_missing = raw.isna().to_numpy()
    with np.errstate(invalid="ignore"):
        bad = ~is_missing & (np.isnan(numeric) | (numeric < 1) | (numeric != np.floor(numeric)))
    issues.add(bad, column=col, values=raw,
               reason="contact counts are not whole numbers ≥ 1")
    issues.add(is_missing, column=col, values=raw, reason="missing values",
               kind="missing")
    success = np.where(issues.mask, np.nan, (numeric == 1).astype(float))
    return Outcome(success, issues, {"definition": "contacts == 1"})


def _resolution(data: pd.DataFrame, *, as_of: Any = None,
                columns: Mapping[str, str] | None = None, invalid: str = "raise",
                missing: str = "exclude", tz: str | None = None,
                timestamp_format: str | None = None) -> Outcome:
    cols = resolve_columns("tickets", columns)
    require_columns(data, cols, ["created_at", "resolved_at"])
    issues = RowIssues(data.index, invalid=invalid, missing=missing)
    if cols["ticket_id"] in data.columns:
        check_unique_ids(data[cols["ticket_id"]], column=cols["ticket_id"], issues=issues)
    c_col, r_col = cols["created_at"], cols["resolved_at"]
    created = parse_timestamps(data[c_col], column=c_col, issues=issues, format=timestamp_format)
    resolved = parse_timestamps(data[r_col], column=r_col, issues=issues,
                                format=timestamp_format)
    aligned = align_time_zones({c_col: created, r_col: resolved}, tz=tz)
    created, resolved = aligned[c_col], aligned[r_col]
    issues.add(created.isna().to_numpy(), column=c_col, values=data[c_col],
               reason="missing timestamps", kind="missing")
    negative = (resolved < created).to_numpy()
    issues.add(negative, column=r_col, values=data[r_col],
               reason=f"{r_col} before {c_col} (negative duration)")
    done = resolved.notna().to_numpy()
    if as_of is not None:
        stamp = pd.Timestamp(as_of)
        if getattr(created.dt, "tz", None) is not None and stamp.tzinfo is None:
            raise ValueError("as_of must be time-zone aware when the timestamps are")
        done = done & (resolved <= stamp).to_numpy()
        later = (created > stamp).to_numpy()
        issues.add(later, column=c_col, values=data[c_col],
                   reason="created after as_of", kind="definition")
    success = np.where(issues.mask, np.nan, done.astype(float))
    return Outcome(success, issues, {"as_of": None if as_of is None else str(as_of)})


def _nia(data: pd.DataFrame, *, days: float = 7, as_of: Any = None,
         columns: Mapping[str, str] | None = None, invalid: str = "raise",
         missing: str = "exclude", timestamp_format: str | None = None) -> Outcome:
    if not float(days) > 0:
        raise ValueError(f"days must be positive, got {days!r}")
    cols = resolve_columns("tickets", columns)
    require_columns(data, cols, ["customer_id", "created_at"])
    issues = RowIssues(data.index, invalid=invalid, missing=missing)
    if cols["ticket_id"] in data.columns:
        check_unique_ids(data[cols["ticket_id"]], column=cols["ticket_id"], issues=issues)
    c_col, cust_col = cols["created_at"], cols["customer_id"]
    created = parse_timestamps(data[c_col], column=c_col, issues=issues, format=timestamp_format)
    usable = created.notna().to_numpy() & data[cust_col].notna().to_numpy() & ~issues.mask
    n = len(data)
    t = created.to_numpy(dtype="datetime64[ns]")
    cust = pd.factorize(data[cust_col])[0]
    idx = np.flatnonzero(usable)
    ties = _id_order(data, cols["ticket_id"])  # contacts at one moment: in ticket-id order
    order = idx[np.lexsort((ties[idx], t[idx], cust[idx]))]
    next_t = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    same = cust[order][1:] == cust[order][:-1]
    next_t[order[:-1][same]] = t[order][1:][same]
    window = np.timedelta64(int(float(days) * 86400 * 1e9), "ns")
    followed = ~np.isnat(next_t) & ((next_t - t) <= window)
    end = (np.datetime64(pd.Timestamp(as_of).to_datetime64(), "ns") if as_of is not None
           else t[usable].max() if usable.any() else np.datetime64("NaT"))
    success = nia_decisions(issues, created=created, created_values=data[c_col],
                            customers=data[cust_col], followed=followed,
                            late=(t + window) > end, days=float(days), created_column=c_col,
                            customer_column=cust_col)
    return Outcome(success, issues, {"days": float(days),
                                     "window_end": str(pd.Timestamp(end))})


def _id_order(data: pd.DataFrame, column: str) -> np.ndarray:
    """The rank of each row's ticket id (missing ids first, then in row order), or the row
    order without an id column: how `nia` orders a customer's contacts at one moment."""
    if column not in data.columns:
        return np.arange(len(data))
    try:
        codes = pd.factorize(data[column], sort=True)[0]
    except TypeError:  # ids of mixed types: no order among them
        return np.arange(len(data))
    return codes.astype(np.int64)


def nia_decisions(issues: RowIssues, *, created: pd.Series, created_values: pd.Series,
                  customers: pd.Series, followed: np.ndarray, late: np.ndarray, days: float,
                  created_column: str = "created_at", customer_column: str = "customer_id"
                  ) -> np.ndarray:
    """Each contact's next-issue-avoidance outcome once its follow-up is known: 1 when the
    customer made no further contact within ``days`` (``followed`` False), 0 when they did;
    NaN when the contact is left out, each reason added to ``issues`` in this order: a
    missing creation time, a missing customer, a window not complete by its end (``late``:
    the creation plus ``days`` is after the window's end) without a follow-up yet
    (censored, always left out).

    ``created`` is the parsed creation time, ``created_values`` the column as given (shown
    in the list of excluded rows).

    >>> from kpitools.tables.events import RowIssues
    >>> issues = RowIssues(pd.RangeIndex(3))
    >>> created = pd.Series(pd.to_datetime(["2026-07-01", "2026-07-02", None]))
    >>> nia_decisions(issues, created=created, created_values=created,
    ...               customers=pd.Series(["a", "a", "b"]), followed=np.array([True, False, False]),
    ...               late=np.array([False, False, True]), days=7.0).tolist()
    [0.0, 1.0, nan]
    """
    issues.add(created.isna().to_numpy(), column=created_column, values=created_values,
               reason="missing timestamps", kind="missing")
    issues.add(customers.isna().to_numpy(), column=customer_column, values=customers,
               reason="missing values", kind="missing")
    incomplete = ~issues.mask & ~np.asarray(followed, dtype=bool) & np.asarray(late, dtype=bool)
    issues.add(incomplete, column=created_column, values=created_values,
               reason=f"follow-up window of {days:g} days not complete (censored)",
               kind="definition")
    return np.where(issues.mask, np.nan, (~np.asarray(followed, dtype=bool)).astype(float))


# ------------------------------------------------------------------------- call outcomes


def _calls(data: pd.DataFrame, *, columns: Mapping[str, str] | None, invalid: str,
           missing: str, short_abandon_seconds: float | None,
           timestamp_format: str | None = None):
    cols = resolve_columns("calls", columns)
    a_col, f_col = cols["answered_at"], cols["answered"]
    by_flag = a_col not in data.columns and f_col in data.columns
    if not by_flag:
        require_columns(data, cols, ["answered_at"])
    issues = RowIssues(data.index, invalid=invalid, missing=missing)
    if cols["call_id"] in data.columns:
        check_unique_ids(data[cols["call_id"]], column=cols["call_id"], issues=issues)
    if by_flag:
        # an export with a yes/no "answered" flag instead of the answer time
        answered = clean_flag(data[f_col], column=f_col, issues=issues) == 1.0
    else:
        answered_at = parse_timestamps(data[a_col], column=a_col, issues=issues,
                                       format=timestamp_format)
        answered = answered_at.notna().to_numpy()
    o_col = cols["offered_at"]
    if o_col in data.columns and not by_flag:
        offered = parse_timestamps(data[o_col], column=o_col, issues=issues,
                                   format=timestamp_format)
        aligned = align_time_zones({o_col: offered, a_col: answered_at})
        early = (aligned[a_col] < aligned[o_col]).to_numpy()
        issues.add(early, column=a_col, values=data[a_col],
                   reason=f"{a_col} before {o_col} (negative wait)")
    w_col = cols["wait_seconds"]
    wait = np.full(len(data), np.nan)
    if w_col in data.columns:
        raw = data[w_col]
        wait = pd.to_numeric(raw, errors="coerce").astype(float).to_numpy()
        is_missing = raw.isna().to_numpy()
        issues.add(~is_missing & np.isnan(wait), column=w_col, values=raw,
                   reason="values are not numbers")
        with np.errstate(invalid="ignore"):
            issues.add(wait < 0, column=w_col, values=raw,
                       reason="negative waiting times")
        issues.add(np.isinf(wait), column=w_col, values=raw,
                   reason="infinite waiting times")
    if short_abandon_seconds is not None:
        limit = float(short_abandon_seconds)
        if not limit >= 0:
            raise ValueError(f"short_abandon_seconds must be ≥ 0, got {short_abandon_seconds!r}")
        if w_col not in data.columns:
            raise DataValidationError("short_abandon_seconds needs the waiting time column",
                                      column=w_col)
        issues.add(~answered & np.isnan(wait), column=w_col,
                   values=data[w_col],
                   reason="missing waiting time of an abandoned call", kind="missing")
        with np.errstate(invalid="ignore"):
            short = ~answered & (wait < limit)
        issues.add(short, column=w_col, values=data[w_col],
                   reason=f"short abandon (< {limit:g} s), excluded by definition",
                   kind="definition")
    return answered, wait, issues, cols


def _abandonment(data: pd.DataFrame, *, short_abandon_seconds: float | None = None,
                 columns: Mapping[str, str] | None = None, invalid: str = "raise",
                 missing: str = "exclude") -> Outcome:
    answered, _, issues, _ = _calls(data, columns=columns, invalid=invalid, missing=missing,
                                    short_abandon_seconds=short_abandon_seconds)
    success = np.where(issues.mask, np.nan, (~answered).astype(float))
    return Outcome(success, issues, {"short_abandon_seconds": short_abandon_seconds})


def _answer(data: pd.DataFrame, *, short_abandon_seconds: float | None = None,
            columns: Mapping[str, str] | None = None, invalid: str = "raise",
            missing: str = "exclude") -> Outcome:
    out = _abandonment(data, short_abandon_seconds=short_abandon_seconds, columns=columns,
                       invalid=invalid, missing=missing)
    return Outcome(1.0 - out.success, out.issues, out.details)


def _service_level(data: pd.DataFrame, *, threshold_seconds: float = 20.0,
                   denominator: Literal["offered", "answered"] = "offered",
                   short_abandon_seconds: float | None = None,
                   columns: Mapping[str, str] | None = None, invalid: str = "raise",
                   missing: str = "exclude") -> Outcome:
    check_choice("denominator", denominator, ("offered", "answered"))
    if not float(threshold_seconds) >= 0:
        raise ValueError(f"threshold_seconds must be ≥ 0, got {threshold_seconds!r}")
    answered, wait, issues, cols = _calls(data, columns=columns, invalid=invalid,
                                          missing=missing,
                                          short_abandon_seconds=short_abandon_seconds)
    require_columns(data, cols, ["wait_seconds"])
    w_col = cols["wait_seconds"]
    timed = answered & ~np.isnan(wait) & ~issues.mask
    if answered.any() and not timed.any():
        # every answered call lacks its wait: only abandoned calls (all misses) would be left
        # in the denominator and the service level would read 0 % in silence
        raise DataValidationError(
            f"no waiting time for any of the {int(answered.sum())} answered calls; service "
            "level needs them (map yours with columns={'wait_seconds': ...})",
            column=w_col, rows=list(data.index[answered]),
            values=list(data[w_col].to_numpy(dtype=object)[answered]))
    issues.add(answered & np.isnan(wait), column=w_col, values=data[w_col],
               reason="missing waiting time of an answered call", kind="missing")
    if denominator == "answered":
        issues.add(~answered, column=cols["answered_at"],
                   values=data[cols["answered_at"]],
                   reason="abandoned call, outside the denominator 'answered'",
                   kind="definition")
    with np.errstate(invalid="ignore"):
        met = answered & (wait <= float(threshold_seconds))
    success = np.where(issues.mask, np.nan, met.astype(float))

    def check_groups(codes: np.ndarray, groups: pd.DataFrame) -> None:
        # the same refusal per group: a group whose answered calls all lack their wait
        n_groups = len(groups)
        n_answered = np.bincount(codes[answered], minlength=n_groups)
        n_timed = np.bincount(codes[timed], minlength=n_groups)
        bad = np.flatnonzero((n_answered > 0) & (n_timed == 0))
        if bad.size:
            names = [", ".join(f"{k}={v!r}" for k, v in groups.iloc[i].items()) for i in bad[:3]]
            more = f" and {bad.size - 3} more" if bad.size > 3 else ""
            rows = answered & np.isin(codes, bad)
            raise DataValidationError(
                f"no waiting time for any answered call in {bad.size} group(s) "
                f"({'; '.join(names)}{more}); their service level would count only abandoned "
                "calls (map yours with columns={'wait_seconds': ...})",
                column=w_col, rows=list(data.index[rows]),
                values=list(data[w_col].to_numpy(dtype=object)[rows]))

    return Outcome(success, issues, {"threshold_seconds": float(threshold_seconds),
                                     "denominator": denominator,
                                     "short_abandon_seconds": short_abandon_seconds},
                   check_groups=check_groups)


@dataclass(frozen=True)
class _ProportionKpi:
    outcome: Callable[..., Outcome]
    description: str
    higher_is_better: bool


def _flag_outcome(role: str) -> Callable[..., Outcome]:
    def outcome(data: pd.DataFrame, *, columns: Mapping[str, str] | None = None,
                invalid: str = "raise", missing: str = "exclude") -> Outcome:
        return _ticket_flag(data, role, columns=columns, invalid=invalid, missing=missing)

    return outcome


#: The proportion KPIs: how each row's outcome is decided.
PROPORTION_KPIS: dict[str, _ProportionKpi] = {
    "fcr": _ProportionKpi(_fcr, "first contact resolution", True),
    "resolution_rate": _ProportionKpi(_resolution, "resolution rate", True),
    "escalation_rate": _ProportionKpi(_flag_outcome("escalated"), "escalation rate", False),
    "reopen_rate": _ProportionKpi(_flag_outcome("reopened"), "reopen rate", False),
    "conversion_rate": _ProportionKpi(_flag_outcome("converted"), "conversion rate", True),
    "nia": _ProportionKpi(_nia, "next issue avoidance", True),
    "abandonment_rate": _ProportionKpi(_abandonment, "abandonment rate", False),
    "answer_rate": _ProportionKpi(_answer, "answer rate", True),
    "service_level": _ProportionKpi(_service_level, "service level", True),
}


_OUTCOME_OPTIONS = ("definition", "as_of", "tz", "timestamp_format", "days",
                    "short_abandon_seconds", "threshold_seconds", "denominator")


def _outcome_options(kpi: str, scope: dict[str, Any]) -> dict[str, Any]:
    """The options given (not None) in a function's ``locals()``; TypeError for any the KPI
    ``kpi`` does not take, naming both."""
    check_choice("kpi", kpi, tuple(PROPORTION_KPIS))
    takes = inspect.signature(PROPORTION_KPIS[kpi].outcome).parameters
    given = {k: scope[k] for k in _OUTCOME_OPTIONS if scope[k] is not None}
    wrong = sorted(set(given) - set(takes))
    if wrong:
        raise TypeError(f"kpi={kpi!r} does not take the option(s) "
                        f"{', '.join(k + '=' for k in wrong)}")
    return {"columns": scope["columns"], "invalid": scope["invalid"],
            "missing": scope["missing"], **given}


def proportion_outcome(
    data: pd.DataFrame,
    kpi: str,
    *,
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
    definition: Literal["flag", "contacts"] | None = None,
    as_of: Any = None,
    tz: str | None = None,
    timestamp_format: str | None = None,
    days: float | None = None,
    short_abandon_seconds: float | None = None,
    threshold_seconds: float | None = None,
    denominator: Literal["offered", "answered"] | None = None,
) -> Outcome:
    """Validate the table and decide every row's outcome for proportion KPI ``kpi``.

    Parameters
    ----------
    data : DataFrame
    kpi : str
        One of `PROPORTION_KPIS`.
    columns, invalid, missing
        Column mapping and the policies for invalid and missing values.
    definition, as_of, tz, timestamp_format, days : optional
    short_abandon_seconds, threshold_seconds, denominator : optional
        The options of the KPIs that take them (see each KPI's function, e.g. `fcr`,
        `nia`, `service_level`); None leaves the KPI's default. An option the KPI does not
        take raises TypeError naming the KPI and the option.
    """
    options = _outcome_options(kpi, locals())
    return PROPORTION_KPIS[kpi].outcome(_frame(data), **options)


def proportion_kpi(
    data: pd.DataFrame,
    kpi: str,
    *,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
    definition: Literal["flag", "contacts"] | None = None,
    as_of: Any = None,
    tz: str | None = None,
    timestamp_format: str | None = None,
    days: float | None = None,
    short_abandon_seconds: float | None = None,
    threshold_seconds: float | None = None,
    denominator: Literal["offered", "answered"] | None = None,
) -> KpiEstimate:
    """A proportion KPI in % with its interval (see the module table for the definitions).

    Parameters
    ----------
    data : DataFrame
        Tickets or calls.
    kpi : str
        One of `PROPORTION_KPIS`.
    confidence_level : float, default 0.95
    method : str, default "wilson"
        Any method of `kpitools.stats.intervals.proportion_ci`; Wilson's score interval
        [Wilson27]_ by default.
    alternative : {"two-sided", "less", "greater"}
    columns, invalid, missing
        Column mapping and the policies for invalid and missing values.
    definition, as_of, tz, timestamp_format, days : optional
    short_abandon_seconds, threshold_seconds, denominator : optional
        The options of the KPIs that take them (see each KPI's function, e.g. `fcr`,
        `nia`, `service_level`); None leaves the KPI's default. An option the KPI does not
        take raises TypeError naming the KPI and the option.

    Returns
    -------
    KpiEstimate
        ``estimate`` in %; ``details`` has ``successes`` and the definition choices.
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, PROPORTION_METHODS)
    check_alternative(alternative)
    out = PROPORTION_KPIS[kpi].outcome(_frame(data), **_outcome_options(kpi, locals()))
    used = ~np.isnan(out.success)
    k, n = int(np.nansum(out.success)), int(used.sum())
    require_nonempty(n, what=PROPORTION_KPIS[kpi].description, n_excluded=out.issues.n_excluded)
    warn_if_small(n, what=kpi)
    low, high = proportion_ci(k, n, confidence_level=level, method=method,
                              alternative=alternative)
    return KpiEstimate(kpi=kpi, estimate=100.0 * k / n, ci_low=100.0 * low,
                       ci_high=100.0 * high, n=n, n_excluded=out.issues.n_excluded,
                       method=method, confidence_level=level, unit="%",
                       details={"successes": k, **out.details}, excluded=out.issues.excluded())


def compare_proportion_kpi(
    a: pd.DataFrame,
    b: pd.DataFrame,
    kpi: str,
    *,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    method: DiffMethod = "newcombe",
    test: ProportionTest = "auto",
    label_a: str = "a",
    label_b: str = "b",
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
    definition: Literal["flag", "contacts"] | None = None,
    as_of: Any = None,
    tz: str | None = None,
    timestamp_format: str | None = None,
    days: float | None = None,
    short_abandon_seconds: float | None = None,
    threshold_seconds: float | None = None,
    denominator: Literal["offered", "answered"] | None = None,
) -> Comparison:
    """Compare a proportion KPI between two tables (b − a, ``a`` the baseline).

    `kpitools.kpis.common.compare_proportions` of the two tables' outcomes; the options are
    those of `proportion_outcome`.
    """
    options = _outcome_options(kpi, locals())
    oa = PROPORTION_KPIS[kpi].outcome(_frame(a), **options)
    ob = PROPORTION_KPIS[kpi].outcome(_frame(b), **options)
    na, nb = int((~np.isnan(oa.success)).sum()), int((~np.isnan(ob.success)).sum())
    require_nonempty(na, what=f"{kpi} of {label_a}")
    require_nonempty(nb, what=f"{kpi} of {label_b}")
    out = compare_proportions(int(np.nansum(oa.success)), na, int(np.nansum(ob.success)), nb,
                              kpi=kpi, confidence_level=confidence_level,
                              alternative=alternative, method=method, test=test,
                              label_a=label_a, label_b=label_b,
                              details={"n_excluded_a": oa.issues.n_excluded,
                                       "n_excluded_b": ob.issues.n_excluded})
    return out


def summarize_proportions(
    data: pd.DataFrame,
    keys: list[str],
    kpi: str,
    *,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
    definition: Literal["flag", "contacts"] | None = None,
    as_of: Any = None,
    tz: str | None = None,
    timestamp_format: str | None = None,
    days: float | None = None,
    short_abandon_seconds: float | None = None,
    threshold_seconds: float | None = None,
    denominator: Literal["offered", "answered"] | None = None,
) -> pd.DataFrame:
    """A proportion KPI for every group of ``keys`` in one pass (bincount + array Wilson).

    Returns the ``keys`` columns then `kpitools.core.results.ESTIMATE_COLUMNS`; equal to
    `proportion_kpi` per group.
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, PROPORTION_METHODS)
    check_alternative(alternative)
    out = PROPORTION_KPIS[kpi].outcome(_frame(data), **_outcome_options(kpi, locals()))
    codes, groups = group_codes(data, keys)
    if out.check_groups is not None:
        out.check_groups(codes, groups)
    g = len(groups)
    used = ~np.isnan(out.success)
    k = np.bincount(codes[used], weights=out.success[used], minlength=g)
    n = np.bincount(codes[used], minlength=g).astype(float)
    n_excl = np.bincount(codes[out.issues.mask], minlength=g)
    est, low, high = proportion_columns(k, n, confidence_level=level, method=method,
                                        alternative=alternative)
    table = groups.reset_index(drop=True).copy()
    values = {"kpi": kpi, "estimate": est, "ci_low": low, "ci_high": high,
              "confidence_level": level, "method": method, "unit": "%",
              "n": n.astype(np.int64), "n_excluded": n_excl.astype(np.int64)}
    for name in ESTIMATE_COLUMNS:
        table[name] = values[name]
    table.attrs["excluded"] = out.issues.excluded()
    return table


def fcr(
    data: pd.DataFrame,
    *,
    definition: Literal["flag", "contacts"] = "flag",
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
) -> KpiEstimate:
    """First contact resolution in %: resolved at the first contact / tickets.

    Denominator: tickets whose flag is known (``definition="flag"``, column
    ``first_contact_resolved``) or whose number of contacts is known
    (``definition="contacts"``: success when ``contacts == 1``). Missing flags are excluded
    and listed. Wilson interval by default; see `proportion_kpi`.

    >>> from kpitools.datasets import load_tickets
    >>> fcr(load_tickets()).unit
    '%'
    """
    return proportion_kpi(
        data, "fcr", confidence_level=confidence_level, method=method, alternative=alternative,
        columns=columns, invalid=invalid, missing=missing, definition=definition)


def resolution_rate(
    data: pd.DataFrame,
    *,
    as_of: Any = None,
    tz: str | None = None,
    timestamp_format: str | None = None,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
) -> KpiEstimate:
    """Resolution rate in %: resolved / received.

    Denominator: every ticket with a valid ``created_at`` (created by ``as_of`` when given).
    Numerator: those with a ``resolved_at`` (at or before ``as_of`` when given). Wilson
    interval; see `proportion_kpi`.
    """
    return proportion_kpi(
        data, "resolution_rate", confidence_level=confidence_level, method=method,
        alternative=alternative, columns=columns, invalid=invalid, missing=missing, as_of=as_of,
        tz=tz, timestamp_format=timestamp_format)


def escalation_rate(
    data: pd.DataFrame,
    *,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
) -> KpiEstimate:
    """Escalation rate in %: escalated / tickets.

    Denominator: tickets with a known ``escalated`` flag. Wilson; see `proportion_kpi`.
    """
    return proportion_kpi(
        data, "escalation_rate", confidence_level=confidence_level, method=method,
        alternative=alternative, columns=columns, invalid=invalid, missing=missing)


def reopen_rate(
    data: pd.DataFrame,
    *,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
) -> KpiEstimate:
    """Reopen rate in %: reopened / tickets.

    Denominator: tickets with a known ``reopened`` flag. Wilson; see `proportion_kpi`.
    """
    return proportion_kpi(
        data, "reopen_rate", confidence_level=confidence_level, method=method,
        alternative=alternative, columns=columns, invalid=invalid, missing=missing)


def conversion_rate(
    data: pd.DataFrame,
    *,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
) -> KpiEstimate:
    """Conversion rate in %: converted / contacts.

    Denominator: contacts with a known ``converted`` flag (map your column with
    ``columns={"converted": "purchase_flag"}``). Wilson; see `proportion_kpi`.
    """
    return proportion_kpi(
        data, "conversion_rate", confidence_level=confidence_level, method=method,
        alternative=alternative, columns=columns, invalid=invalid, missing=missing)


def nia(
    data: pd.DataFrame,
    *,
    days: float = 7,
    as_of: Any = None,
    timestamp_format: str | None = None,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
) -> KpiEstimate:
    """Next issue avoidance in %: contacts not followed by another contact.

    A contact *succeeds* when the same customer makes no further contact within ``days``
    (default 7) after it. Contacts of one customer at the same moment follow each other in
    the order of their ticket ids (``ticket_id``; without that column, in the order of the
    rows), so the earlier ones are followed (a gap of 0). Denominator: contacts whose
    ``days``-day window has ended by ``as_of`` (default: the last ``created_at`` in the
    data) — a contact whose window is not complete and that has no follow-up yet is
    censored: listed as excluded, not counted as a success. Wilson interval; see
    `proportion_kpi`.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"] * 3,
    ...                   "created_at": pd.to_datetime(["2026-07-01", "2026-07-03",
    ...                       "2026-07-02", "2026-07-05", "2026-07-30"] * 3)
    ...                   + pd.to_timedelta([0] * 5 + [40] * 5 + [80] * 5, unit="D")})
    >>> r = nia(t, days=7)
    >>> r.n, r.n_excluded, r.details["successes"]
    (14, 1, 11)
    """
    return proportion_kpi(
        data, "nia", confidence_level=confidence_level, method=method, alternative=alternative,
        columns=columns, invalid=invalid, missing=missing, days=days, as_of=as_of,
        timestamp_format=timestamp_format)


def abandonment_rate(
    data: pd.DataFrame,
    *,
    short_abandon_seconds: float | None = None,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
) -> KpiEstimate:
    """Abandonment rate in %: abandoned / offered.

    A call is abandoned when it has no ``answered_at``. Denominator: calls offered, minus
    short abandons (abandoned within ``short_abandon_seconds`` of waiting, when given; they
    are listed as excluded). Wilson interval; see `proportion_kpi`.

    >>> from kpitools.datasets import load_calls
    >>> r = abandonment_rate(load_calls(), short_abandon_seconds=5)
    >>> r.kpi, r.unit
    ('abandonment_rate', '%')
    """
    return proportion_kpi(
        data, "abandonment_rate", confidence_level=confidence_level, method=method,
        alternative=alternative, columns=columns, invalid=invalid, missing=missing,
        short_abandon_seconds=short_abandon_seconds)


def answer_rate(
    data: pd.DataFrame,
    *,
    short_abandon_seconds: float | None = None,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
) -> KpiEstimate:
    """Answer rate in %: answered / offered.

    Same denominator as `abandonment_rate` (so the two add up to 100). Wilson interval.
    """
    return proportion_kpi(
        data, "answer_rate", confidence_level=confidence_level, method=method,
        alternative=alternative, columns=columns, invalid=invalid, missing=missing,
        short_abandon_seconds=short_abandon_seconds)


def service_level(
    data: pd.DataFrame,
    *,
    threshold_seconds: float = 20.0,
    denominator: Literal["offered", "answered"] = "offered",
    short_abandon_seconds: float | None = None,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
    columns: Mapping[str, str] | None = None,
    invalid: str = "raise",
    missing: str = "exclude",
) -> KpiEstimate:
    """Service level in %: answered within X seconds.

    Numerator: calls answered with ``wait_seconds ≤ threshold_seconds`` (default 20, the
    "80/20" convention). Denominator ``"offered"`` (default: abandoned calls count as
    misses; short abandons excluded when ``short_abandon_seconds`` is set) or ``"answered"``
    (abandoned calls excluded and listed). Wilson interval; see `proportion_kpi`.

    >>> from kpitools.datasets import load_calls
    >>> service_level(load_calls(), threshold_seconds=20).details["denominator"]
    'offered'
    """
    return proportion_kpi(
        data, "service_level", confidence_level=confidence_level, method=method,
        alternative=alternative, columns=columns, invalid=invalid, missing=missing,
        threshold_seconds=threshold_seconds, denominator=denominator,
        short_abandon_seconds=short_abandon_seconds)




# ------------------------------------------------------------------------------ backlog


def _naive_ns(values: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Timestamps as naive ``datetime64[ns]``: time-zone-aware ones as their UTC time."""
    index = pd.DatetimeIndex(values)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return np.asarray(index.to_numpy(dtype="datetime64[ns]"))


@dataclass(frozen=True)
class BacklogRows:
    """Each ticket's creation and resolution time and whether `backlog` leaves it out.

    Attributes
    ----------
    created, resolved : Series of datetime64
        The parsed times, naive or (time-zone-aware columns) in UTC; NaT where missing or
        unparseable.
    issues : RowIssues
        The rows left out and why: a missing or unparseable creation time, a resolution
        before the creation (``invalid``), a time-zone mix within a column.
    """

    created: pd.Series
    resolved: pd.Series
    issues: RowIssues

    @property
    def usable(self) -> np.ndarray:
        """Whether each row is counted (not left out)."""
        return ~self.issues.mask

    def open_at(self, at: Any) -> np.ndarray:
        """Whether each ticket is open at the moment ``at``: usable and
        ``created ≤ at < resolved`` (an unresolved ticket stays open).

        A naive moment is read as UTC when the timestamps are time-zone aware (aware
        timestamps are compared in UTC), an aware one as its UTC time when they are naive. A
        missing moment (NaT) comes after every time: the unresolved tickets are open then.

        Raises
        ------
        TypeError
            ``at`` is several moments (`backlog` gives the series).

        >>> t = pd.DataFrame({"created_at": pd.to_datetime(["2026-07-01 10:00",
        ...                                                 "2026-07-01 11:00", None]),
        ...                   "resolved_at": pd.to_datetime(["2026-07-01 12:00", None, None])})
        >>> backlog_rows(t).open_at("2026-07-01 12:00").tolist()
        [False, True, False]
        """
        moment = _naive_ns(pd.DatetimeIndex([self.moment(at)]))[0]
        return self._open(np.full(len(self.created), moment))

    @staticmethod
    def moment(at: Any) -> pd.Timestamp:
        """``at`` as the backlog KPI reads it: one moment (a text, a datetime, ...; NaT when
        missing).

        Raises
        ------
        TypeError
            ``at`` is several moments (`backlog` gives the series).

        >>> BacklogRows.moment("2026-07-01 12:00")
        Timestamp('2026-07-01 12:00:00')
        """
        if np.ndim(at) != 0:
            raise TypeError(f"the backlog KPI counts the tickets open at one moment; at= is "
                            f"a {type(at).__name__} (kpitools.backlog gives the series)")
        return pd.DatetimeIndex(pd.to_datetime([at]))[0]

    def open_at_each(self, moments: Sequence[Any] | pd.Series) -> np.ndarray:
        """`open_at` with one moment per row (e.g. each row's group's latest creation).

        >>> t = pd.DataFrame({"created_at": pd.to_datetime(["2026-07-01 10:00",
        ...                                                 "2026-07-01 11:00"]),
        ...                   "resolved_at": pd.to_datetime(["2026-07-01 12:00", None])})
        >>> backlog_rows(t).open_at_each(["2026-07-01 12:00", "2026-07-01 10:30"]).tolist()
        [False, False]
        """
        at = _naive_ns(pd.DatetimeIndex(pd.to_datetime(list(moments))))
        if len(at) != len(self.created):
            raise ValueError(f"{len(at)} moments for {len(self.created)} rows")
        return self._open(at)

    def _open(self, moments: np.ndarray) -> np.ndarray:
        created, resolved = _naive_ns(self.created), _naive_ns(self.resolved)
        late = np.isnat(moments)  # after every time, as `backlog`'s sorted counts read it
        opened = late | (created <= moments)
        still_open = np.isnat(resolved) | (~late & (resolved > moments))
        return self.usable & opened & still_open


def backlog_rows(tickets: pd.DataFrame, *, columns: Mapping[str, str] | None = None,
                 invalid: str = "raise", missing: str = "exclude",
                 timestamp_format: str | None = None) -> BacklogRows:
    """The rows `backlog` counts, and the ones it leaves out with their reason.

    A ticket is left out when its creation time is missing or unparseable (``missing``
    policy) or when it is resolved before it was created (``invalid`` policy: raise by
    default); timestamps are parsed by `kpitools.tables.events.parse_timestamps` and made
    comparable by `align_time_zones` (aware columns in UTC; an aware column next to a naive
    one raises). Ticket ids are not read: a repeated id counts as many times as it appears.

    >>> t = pd.DataFrame({"created_at": pd.to_datetime(["2026-07-01 10:00", None,
    ...                                                 "2026-07-02 09:00"]),
    ...                   "resolved_at": pd.to_datetime(["2026-07-01 12:00", None,
    ...                                                  "2026-07-02 08:00"])})
    >>> rows = backlog_rows(t, invalid="exclude")
    >>> rows.usable.tolist()
    [True, False, False]
    >>> rows.issues.excluded()["reason"].str.split(" [(]").str[0].tolist()
    ['missing timestamps', 'resolved_at before created_at']
    """
    cols = resolve_columns("tickets", columns)
    require_columns(_frame(tickets), cols, ["created_at", "resolved_at"])
    issues = RowIssues(tickets.index, invalid=invalid, missing=missing)
    c_col, r_col = cols["created_at"], cols["resolved_at"]
    created = parse_timestamps(tickets[c_col], column=c_col, issues=issues,
                               format=timestamp_format)
    resolved = parse_timestamps(tickets[r_col], column=r_col, issues=issues,
                                format=timestamp_format)
    aligned = align_time_zones({c_col: created, r_col: resolved})
    created, resolved = aligned[c_col], aligned[r_col]
    issues.add(created.isna().to_numpy(), column=c_col, values=tickets[c_col],
               reason="missing timestamps", kind="missing")
    issues.add((resolved < created).to_numpy(), column=r_col,
               values=tickets[r_col],
               reason=f"{r_col} before {c_col} (negative duration)")
    return BacklogRows(created=created, resolved=resolved, issues=issues)


def backlog(tickets: pd.DataFrame, *, at: Any = None, freq: str = "D",
            by: str | list[str] | None = None, columns: Mapping[str, str] | None = None,
            invalid: str = "raise", missing: str = "exclude",
            timestamp_format: str | None = None) -> pd.DataFrame:
    """Active issues (backlog) at each point in time: ``created_at ≤ t < resolved_at``.

    Parameters
    ----------
    tickets : DataFrame
    at : sequence of datetime-like, optional
        The time points. Default: the end of every ``freq`` period from the first creation
        to the last event (snapshots taken at each period's close).
    freq : str, default "D"
        pandas frequency of the default time points.
    by : str or list of str, optional
        A backlog series per group, every group on the same time points (those of the
        whole table, so that groups are comparable), 0 where a group has nothing open.

    Returns
    -------
    DataFrame
        ``at``, the ``by`` columns, ``backlog`` (count of open tickets). Unresolved tickets
        stay open forever; ``attrs["excluded"]`` lists invalid rows.

    Notes
    -----
    Vectorised: with creation and resolution times sorted, the backlog at t is
    ``#{created ≤ t} − #{resolved ≤ t}`` (two ``searchsorted`` calls), valid because every
    ticket is created before it is resolved.

    Examples
    --------
    >>> t = pd.DataFrame({"created_at": pd.to_datetime(["2026-07-01 10:00", "2026-07-01 11:00",
    ...                                                 "2026-07-02 09:00"]),
    ...                   "resolved_at": pd.to_datetime(["2026-07-01 12:00", None,
    ...                                                  "2026-07-02 10:00"])})
    >>> at = ["2026-07-01 11:30", "2026-07-01 13:00", "2026-07-02 09:30"]
    >>> backlog(t, at=at)["backlog"].tolist()
    [2, 1, 2]
    """
    rows = backlog_rows(tickets, columns=columns, invalid=invalid, missing=missing,
                        timestamp_format=timestamp_format)
    created, resolved, issues = rows.created, rows.resolved, rows.issues
    ok = rows.usable
    tz = getattr(created.dt, "tz", None)
    if at is None:
        last = pd.concat([created[ok], resolved[ok]]).max()
        points = pd.date_range(created[ok].min().normalize(), last.normalize(), freq=freq,
                               tz=tz)
        points = points + pd.tseries.frequencies.to_offset(freq) - pd.Timedelta(1, "ns")
    else:
        points = pd.DatetimeIndex(pd.to_datetime(list(at)))
    keys = [by] if isinstance(by, str) else list(by or [])
    codes, groups = group_codes(tickets, keys)
    c_ns, r_ns, p_ns = _naive_ns(created), _naive_ns(resolved), _naive_ns(points)
    parts = []
    for g in range(len(groups)):
        sel = ok & (codes == g)
        cs = np.sort(c_ns[sel])
        rs = np.sort(r_ns[sel][~np.isnat(r_ns[sel])])
        count = np.searchsorted(cs, p_ns, side="right") - np.searchsorted(rs, p_ns,
                                                                          side="right")
        part = pd.DataFrame({"at": points, "backlog": count.astype(np.int64)})
        for k in keys:
            part.insert(len(part.columns) - 1, k, groups[k].iloc[g])
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out.attrs["excluded"] = issues.excluded()
    out.attrs["n_excluded"] = issues.n_excluded
    return out


# ------------------------------------------------------------- utilisation, productivity


def _available_hours(availability: pd.DataFrame, *, period: Any,
                     columns: Mapping[str, str] | None) -> pd.Series:
    cols = resolve_columns("availability", columns)
    require_columns(_frame(availability), cols, ["agent_id", "available_hours"])
    table = availability
    if period is not None:
        require_columns(table, cols, ["period"])
        table = table[table[cols["period"]].astype(str) == str(period)]
    hours = pd.to_numeric(table[cols["available_hours"]], errors="coerce")
    bad = hours.isna() | (hours < 0)
    if bad.any():
        raise DataValidationError(f"{int(bad.sum())} available hours are missing, not numbers "
                                  "or negative", column=cols["available_hours"],
                                  rows=list(table.index[bad.to_numpy()]),
                                  values=list(table[cols["available_hours"]][bad]))
    return hours.groupby(table[cols["agent_id"]].to_numpy()).sum()


def _agent_ratio(work: pd.Series, hours: pd.Series, *, agent_column: str
                 ) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Align per-agent work and hours; agents with work but no hours are excluded."""
    agents = work.index.union(hours.index)
    w = work.reindex(agents, fill_value=0.0).to_numpy(dtype=float)
    h = hours.reindex(agents, fill_value=0.0).to_numpy(dtype=float)
    no_time = (h <= 0) & (w > 0)
    excluded = empty_excluded()
    if no_time.any():
        excluded = pd.DataFrame({"row": agents[no_time], "column": agent_column,
                                 "value": agents[no_time],
                                 "reason": "agent has handled work but no available time"})
    keep = h > 0
    return w[keep], h[keep], excluded


def _agents_in_scope(work: pd.Series, hours: pd.Series, agents: Any
                     ) -> tuple[pd.Series, int]:
    """Availability of the agents in scope, and how many agents with hours were left out."""
    scope = work.index if agents is None else pd.Index(list(agents))
    keep = hours.index.isin(scope)
    left_out = int(((~keep) & (hours.to_numpy() > 0)).sum()) if agents is None else 0
    return hours[keep], left_out


def _bootstrap_ratio(w: np.ndarray, h: np.ndarray, *, level: float, alternative: str,
                     n_resamples: int, random_state: Any) -> tuple[float, float]:
    rng = np.random.default_rng(random_state)
    idx = rng.integers(0, w.size, size=(int(n_resamples), w.size))
    ratios = w[idx].sum(axis=1) / h[idx].sum(axis=1)
    alpha = 1.0 - level
    if alternative == "two-sided":
        return (float(np.quantile(ratios, alpha / 2)), float(np.quantile(ratios, 1 - alpha / 2)))
    if alternative == "greater":
        return float(np.quantile(ratios, alpha)), np.inf
    return 0.0, float(np.quantile(ratios, 1 - alpha))


def _answered_without_talk_time(calls: pd.DataFrame, cols: Mapping[str, str]) -> pd.DataFrame:
    """Answered calls whose talk time is missing: their handle time cannot be counted.

    Hold and wrap-up time may be missing (none recorded); an abandoned call has no talk time.
    Without an ``answered_at`` column every call is taken as handled only where it has a time.
    """
    talk, answered_at = cols["talk_seconds"], cols["answered_at"]
    if talk not in calls.columns or answered_at not in calls.columns:
        return empty_excluded()
    mask = (calls[answered_at].notna() & calls[talk].isna()).to_numpy()
    return excluded_frame(calls[talk], mask, "missing talk time of an answered call: its "
                          "handle time is left out of the numerator", talk)


def agent_utilisation(calls: pd.DataFrame, availability: pd.DataFrame, *, period: Any = None,
                      confidence_level: float = 0.95, alternative: str = "two-sided",
                      n_resamples: int = 9999, random_state: Any = 0,
                      columns: Mapping[str, str] | None = None,
                      availability_columns: Mapping[str, str] | None = None,
                      agents: Any = None) -> KpiEstimate:
    """Agent utilisation in %: handle time / available (logged-in) time, over agents.

    Parameters
    ----------
    calls : DataFrame
        Handled contacts with ``agent``, ``talk_seconds``, ``hold_seconds``,
        ``acw_seconds`` (missing hold and wrap-up count as 0; abandoned calls have none; an
        answered call without its talk time is listed in ``excluded``, its time uncounted).
    availability : DataFrame
        ``agent_id, period, available_hours``.
    period : str, optional
        Use only this period's availability (e.g. ``"2026Q3"``); filter ``calls`` to the
        same period yourself.
    n_resamples, random_state
        Bootstrap resamples and seed.
    agents : sequence, optional
        The agents in scope. By default the agents that appear in ``calls`` (so that a
        team's calls are set against that team's agents, from an availability table that
        covers everyone); agents of the availability table with logged-in time but no
        handled call are then left out and counted in
        ``details["agents_without_work"]``. Name the agents to count idle ones too.

    Returns
    -------
    KpiEstimate
        ``estimate = 100 · Σ handle hours / Σ available hours`` (a ratio estimator, so
        agents weigh by their hours); ``n`` = agents; CI: percentile bootstrap resampling
        agents [ET93]_ (``method="bootstrap_agents"``). Agents with handled work but no
        available time are excluded and listed.

    Examples
    --------
    >>> from kpitools.datasets import load_calls, load_agent_availability
    >>> r = agent_utilisation(load_calls(), load_agent_availability())
    >>> r.method
    'bootstrap_agents'
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    cols = resolve_columns("calls", columns)
    require_columns(_frame(calls), cols, ["agent"])
    parts = [c for c in ("talk_seconds", "hold_seconds", "acw_seconds") if cols[c] in
             calls.columns]
    if not parts:
        raise DataValidationError("no handle-time columns (talk/hold/acw seconds)",
                                  column=cols["talk_seconds"])
    for c in parts:  # a missing part counts as 0; text or ±inf is not a handle time
        raw = calls[cols[c]]
        numeric = pd.to_numeric(raw, errors="coerce").astype(float)
        bad = (numeric.isna() & raw.notna()) | np.isinf(numeric)
        if bad.any():
            raise DataValidationError(f"{int(bad.sum())} handle times that are not finite "
                                      "numbers", column=cols[c],
                                      rows=list(calls.index[bad.to_numpy()]),
                                      values=list(raw[bad.to_numpy()]))
    seconds = sum(pd.to_numeric(calls[cols[c]], errors="coerce").fillna(0.0).astype(float)
                  for c in parts)
    if (seconds < 0).any():
        bad = seconds < 0
        raise DataValidationError(f"{int(bad.sum())} negative handle times",
                                  column=cols[parts[0]], rows=list(calls.index[bad]),
                                  values=list(seconds[bad]))
    untimed = _answered_without_talk_time(calls, cols)
    agent = calls[cols["agent"]]
    work = (seconds / 3600.0).groupby(agent.to_numpy()).sum()
    return per_agent_estimate("utilisation", work, availability, period=period,
                              confidence_level=level, alternative=alternative,
                              n_resamples=n_resamples, random_state=random_state,
                              availability_columns=availability_columns, agents=agents,
                              agent_column=cols["agent"], excluded=untimed)


def per_agent_estimate(kpi: Literal["utilisation", "productivity"], work: pd.Series,
                       availability: pd.DataFrame, *, period: Any = None,
                       confidence_level: float = 0.95, alternative: str = "two-sided",
                       method: str | None = None, n_resamples: int = 9999,
                       random_state: Any = 0,
                       availability_columns: Mapping[str, str] | None = None,
                       agents: Any = None, agent_column: str = "agent",
                       excluded: pd.DataFrame | None = None,
                       excluded_rows: int | None = None) -> KpiEstimate:
    """`agent_utilisation` or `productivity` from each agent's work: what both compute once
    the rows are summed per agent.

    Parameters
    ----------
    kpi : {"utilisation", "productivity"}
    work : Series
        Per agent (the index, sorted): handle hours (utilisation) or resolved tickets
        (productivity). Every agent of the rows, those with no work included.
    availability, period, availability_columns, agents
        As in `agent_utilisation`.
    method : str, optional
        Productivity's interval (default ``"exact"``); utilisation is always
        ``"bootstrap_agents"``.
    agent_column : str
        The rows' agent column, named in the excluded agents' lines.
    excluded : DataFrame, optional
        Rows already excluded (answered calls without talk time, resolved tickets without
        an agent), listed before the agents without available time.
    excluded_rows : int, optional
        How many rows ``excluded`` stands for (default: its number of lines).

    >>> work = pd.Series([20.0, 30.0], index=["A1", "A2"])
    >>> hours = pd.DataFrame({"agent_id": ["A1", "A2"], "period": ["2026Q3"] * 2,
    ...                       "available_hours": [40.0, 60.0]})
    >>> float(per_agent_estimate("utilisation", work, hours, n_resamples=99).estimate)
    50.0
    """
    check_choice("kpi", kpi, ("utilisation", "productivity"))
    level = check_confidence_level(confidence_level)
    hours = _available_hours(availability, period=period, columns=availability_columns)
    hours, left_out = _agents_in_scope(work, hours, agents)
    w, h, listed = _agent_ratio(work, hours, agent_column=agent_column)
    before = 0 if excluded is None else len(excluded)
    if before:
        listed = as_excluded_rows(pd.concat([excluded, listed], ignore_index=True))
    n_excluded = (before if excluded_rows is None else int(excluded_rows)) + len(listed) - before
    if kpi == "utilisation":
        require_nonempty(w.size, what="agent utilisation")
        low, high = _bootstrap_ratio(w, h, level=level, alternative=alternative,
                                     n_resamples=n_resamples, random_state=random_state)
        return KpiEstimate(kpi="utilisation", estimate=100.0 * w.sum() / h.sum(),
                           ci_low=100.0 * low, ci_high=100.0 * high, n=int(w.size),
                           n_excluded=n_excluded, method="bootstrap_agents",
                           confidence_level=level, unit="%",
                           details={"handle_hours": float(w.sum()),
                                    "available_hours": float(h.sum()),
                                    "agents_without_work": left_out}, excluded=listed)
    how = method or "exact"
    require_nonempty(w.size, what="productivity")
    count, exposure = int(round(w.sum())), float(h.sum())
    if how == "bootstrap_agents":
        low, high = _bootstrap_ratio(w, h, level=level, alternative=alternative,
                                     n_resamples=n_resamples, random_state=random_state)
    else:
        pm: PoissonMethod = how  # type: ignore[assignment]
        low, high = poisson_ci(count, exposure, confidence_level=level, method=pm,
                               alternative=alternative)
    return KpiEstimate(kpi="productivity", estimate=count / exposure, ci_low=float(low),
                       ci_high=float(high), n=count, n_excluded=n_excluded, method=how,
                       confidence_level=level, unit="per agent-hour",
                       details={"available_hours": exposure, "agents": int(w.size),
                                "agents_without_work": left_out},
                       excluded=listed)


def productivity(tickets: pd.DataFrame, availability: pd.DataFrame, *, period: Any = None,
                 confidence_level: float = 0.95, alternative: str = "two-sided",
                 method: Literal["exact", "score", "jeffreys", "bootstrap_agents"] = "exact",
                 n_resamples: int = 9999, random_state: Any = 0,
                 columns: Mapping[str, str] | None = None,
                 availability_columns: Mapping[str, str] | None = None,
                 agents: Any = None) -> KpiEstimate:
    """Resolved tickets per agent-hour: ``Σ resolved / Σ available hours``.

    ``agents`` scopes the availability as in `agent_utilisation` (default: the agents that
    appear in ``tickets``; idle agents left out are counted in
    ``details["agents_without_work"]``). Resolved tickets without an agent are excluded and
    listed.

    Parameters
    ----------
    tickets : DataFrame
        With ``agent`` and ``resolved_at`` (a ticket counts when it has one).
    availability : DataFrame
        ``agent_id, period, available_hours``.
    method : {"exact", "score", "jeffreys", "bootstrap_agents"}, default "exact"
        ``"exact"``: Garwood's Poisson interval for the count with the hours as exposure
        [Garwood36]_; ``"bootstrap_agents"``: percentile bootstrap over agents (allows for
        agents differing in speed, i.e. overdispersion).

    Returns
    -------
    KpiEstimate
        ``unit="per agent-hour"``, ``n`` = resolved tickets, ``details`` with hours and
        agents.

    Examples
    --------
    >>> from kpitools.datasets import load_tickets, load_agent_availability
    >>> productivity(load_tickets(), load_agent_availability()).unit
    'per agent-hour'
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    check_choice("method", method, ("exact", "score", "jeffreys", "bootstrap_agents"))
    cols = resolve_columns("tickets", columns)
    require_columns(_frame(tickets), cols, ["agent", "resolved_at"])
    issues = RowIssues(tickets.index)
    resolved = parse_timestamps(tickets[cols["resolved_at"]], column=cols["resolved_at"],
                                issues=issues)
    done = resolved.notna().to_numpy()
    agent = tickets[cols["agent"]]
    no_agent = agent.isna().to_numpy() & done
    if no_agent.any():
        issues.add(no_agent, column=cols["agent"], values=agent,
                   reason="resolved ticket has no agent", kind="missing")
    work = pd.Series(done.astype(float)).groupby(agent.to_numpy()).sum()
    return per_agent_estimate("productivity", work, availability, period=period,
                              confidence_level=level, alternative=alternative, method=method,
                              n_resamples=n_resamples, random_state=random_state,
                              availability_columns=availability_columns, agents=agents,
                              agent_column=cols["agent"],
                              excluded=issues.excluded() if no_agent.any() else None)


# ------------------------------------------------------------------------- registration

#: Proportion KPIs whose yes/no column may be named with ``value=`` (the column's role).
_FLAG_ROLES = {"escalation_rate": "escalated", "reopen_rate": "reopened",
               "conversion_rate": "converted"}


def _with_value(kpi: str, value: str | None, options: dict[str, Any]) -> dict[str, Any]:
    """``value=`` as the KPI's flag column (``columns={role: value}``) where it has one."""
    if value is None:
        return options
    if kpi not in _FLAG_ROLES:
        no_value(kpi, value)
    cols = dict(options.pop("columns", None) or {})
    cols[_FLAG_ROLES[kpi]] = value
    return {**options, "columns": cols}


def _proportion_definition(kpi: str) -> KpiDefinition:
    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 **options: Any) -> KpiEstimate:
        return proportion_kpi(data, kpi, confidence_level=confidence_level,
                              **_with_value(kpi, value, options))

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, **options: Any) -> Comparison:
        return compare_proportion_kpi(a, b, kpi, confidence_level=confidence_level,
                                      **_with_value(kpi, value, options))

    def summarize(data: pd.DataFrame, value: str | None, keys: list[str], *,
                  confidence_level: float, **options: Any) -> pd.DataFrame:
        return summarize_proportions(data, keys, kpi, confidence_level=confidence_level,
                                     **_with_value(kpi, value, options))

    def compare_groups(data: pd.DataFrame, value: str | None, cells: np.ndarray,
                       n_cells: int, index_a: np.ndarray, index_b: np.ndarray, *,
                       confidence_level: float, **options: Any) -> dict[str, Any] | None:
        """`compare_proportion_kpi` of every pair of cells: the outcomes decided once, on
        the whole table — for ``nia`` each contact's follow-up is the customer's next
        contact in the table, whatever its cell, as `kpitools.summarize` finds it (a
        customer who writes by email and then calls did not avoid a next issue by email).

        Not when ids repeat (a duplicate may lie in another cell); a cell that would raise
        pair by pair (e.g. answered calls without their wait) makes it decline, so the
        loop raises as before.
        """
        opts = _with_value(kpi, value, dict(options))
        method = opts.pop("method", "newcombe")
        test = opts.pop("test", "auto")
        alternative = opts.pop("alternative", "two-sided")
        scope = {"columns": None, "invalid": "raise", "missing": "exclude",
                 **{k: None for k in _OUTCOME_OPTIONS}, **opts}
        out = PROPORTION_KPIS[kpi].outcome(_frame(data), **_outcome_options(kpi, scope))
        if out.issues.n_excluded and out.issues.excluded()["reason"].astype(str).str.startswith(
                "duplicate ids").any():
            return None
        if out.check_groups is not None:
            out.check_groups(cells, pd.DataFrame(index=pd.RangeIndex(n_cells)))
        used = ~np.isnan(out.success)
        k = np.bincount(cells[used], weights=out.success[used], minlength=n_cells)
        n = np.bincount(cells[used], minlength=n_cells)
        return compare_proportion_cells(k, n, index_a, index_b, kpi=kpi,
                                        confidence_level=confidence_level, method=method,
                                        test=test, alternative=alternative)

    spec = PROPORTION_KPIS[kpi]
    takes = options_of(spec.outcome, "data")
    return KpiDefinition(
        name=kpi, unit="%", higher_is_better=spec.higher_is_better, estimate=estimate,
        compare=compare, summarize=summarize, description=spec.description,
        aggregate="proportion", options=takes | {"method", "alternative"},
        compare_options=takes | {"method", "alternative", "test"},
        compare_groups=compare_groups)


def _backlog_count(data: pd.DataFrame, options: dict[str, Any]
                   ) -> tuple[int, RowIssues, Any]:
    """The tickets open at ``options["at"]`` (default: the table's latest creation time,
    of every row, left out or not), the rows left out, and the moment."""
    at = options.pop("at", None)
    if at is not None:
        BacklogRows.moment(at)  # one moment, refused before reading the rows otherwise
    rows = backlog_rows(data, **options)
    if at is None:
        cols = resolve_columns("tickets", options.get("columns"))
        at = pd.to_datetime(data[cols["created_at"]], errors="coerce").max()
    return int(rows.open_at(at).sum()), rows.issues, at


def _backlog_definition() -> KpiDefinition:
    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 method: PoissonMethod = "exact", alternative: str = "two-sided",
                 **options: Any) -> KpiEstimate:
        no_value("backlog", value)
        count, issues, at = _backlog_count(data, dict(options))
        return count_estimate(count, 1.0, kpi="backlog", confidence_level=confidence_level,
                              method=method, alternative=alternative,
                              n_excluded=issues.n_excluded, excluded=issues.excluded(),
                              details={"at": str(at)})

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, alternative: str = "two-sided",
                label_a: str = "a", label_b: str = "b", **options: Any) -> Comparison:
        no_value("backlog", value)
        ka, _, _ = _backlog_count(a, dict(options))
        kb, _, _ = _backlog_count(b, dict(options))
        return rate_comparison("backlog", ka, 1.0, kb, 1.0, confidence_level=confidence_level,
                               alternative=alternative, label_a=label_a, label_b=label_b)

    table_options = options_of(backlog, "tickets", "freq", "by")
    return KpiDefinition(
        name="backlog", unit="count", higher_is_better=False, measure="ratio",
        estimate=estimate, compare=compare,
        description="tickets open at time at= (default: the last creation time); "
                    "kpitools.backlog gives the series",
        options=table_options | {"method", "alternative"},
        compare_options=table_options | {"alternative"})


def _need(options: dict[str, Any], name: str, kpi: str) -> Any:
    if name not in options:
        raise TypeError(f"kpi={kpi!r} needs the option {name}=...")
    return options.pop(name)


def _agent_definition(kpi: str) -> KpiDefinition:
    fn = agent_utilisation if kpi == "utilisation" else productivity

    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 **options: Any) -> KpiEstimate:
        no_value(kpi, value)
        availability = _need(options, "availability", kpi)
        return fn(data, availability, confidence_level=confidence_level, **options)

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, alternative: str = "two-sided",
                label_a: str = "a", label_b: str = "b", **options: Any) -> Comparison:
        no_value(kpi, value)
        availability = _need(options, "availability", kpi)
        ra = fn(a, availability, confidence_level=confidence_level, **options)
        rb = fn(b, availability, confidence_level=confidence_level, **options)
        return compare_per_agent(ra, rb, confidence_level=confidence_level,
                                 alternative=alternative, label_a=label_a, label_b=label_b)

    takes = options_of(fn, "calls", "tickets")
    return KpiDefinition(
        name=kpi, unit="%" if kpi == "utilisation" else "per agent-hour",
        higher_is_better=None if kpi == "utilisation" else True,
        measure="difference" if kpi == "utilisation" else "ratio",
        estimate=estimate, compare=compare,
        description=f"{kpi}: needs availability= (agent_id, period, available_hours)",
        options=takes, compare_options=takes - {"method"})


def compare_per_agent(ra: KpiEstimate, rb: KpiEstimate, *, confidence_level: float = 0.95,
                      alternative: str = "two-sided", label_a: str = "a", label_b: str = "b"
                      ) -> Comparison:
    """``b`` against ``a`` for utilisation or productivity, from the two groups' estimates
    (`agent_utilisation`, `productivity`, `per_agent_estimate`): productivity by the rate
    ratio of resolved tickets per available hour (exact conditional test); utilisation by a
    z test from the two bootstrap intervals' widths (`_utilisation_comparison`).

    >>> a = KpiEstimate("productivity", 0.5, 0.4, 0.6, n=50, n_excluded=0, method="exact",
    ...                 confidence_level=0.95, unit="per agent-hour",
    ...                 details={"available_hours": 100.0})
    >>> b = KpiEstimate("productivity", 0.75, 0.6, 0.9, n=75, n_excluded=0, method="exact",
    ...                 confidence_level=0.95, unit="per agent-hour",
    ...                 details={"available_hours": 100.0})
    >>> compare_per_agent(a, b).difference
    1.5
    """
    if ra.kpi == "productivity":
        return rate_comparison("productivity", ra.n, ra.details["available_hours"], rb.n,
                               rb.details["available_hours"],
                               confidence_level=confidence_level, alternative=alternative,
                               label_a=label_a, label_b=label_b, unit="per agent-hour")
    return _utilisation_comparison(ra, rb, confidence_level=confidence_level,
                                   alternative=alternative, label_a=label_a, label_b=label_b)


def _utilisation_comparison(ra: KpiEstimate, rb: KpiEstimate, *, confidence_level: float,
                            alternative: str, label_a: str, label_b: str) -> Comparison:
    """Utilisation b − a in percentage points: a z interval and test from the two
    (two-sided) bootstrap intervals' widths, ``se = width / (2 z)``.

    The interval is the z test's dual, one-sided when the test is: ``"greater"`` gives
    ``(diff − z₁·se, +inf)``, ``"less"`` ``(−inf, diff + z₁·se)`` with z₁ the one-sided
    critical value (utilisation has no upper end of its scale).
    """
    check_alternative(alternative)
    z = z_critical(confidence_level)
    se_a = (ra.ci_high - ra.ci_low) / (2 * z)
    se_b = (rb.ci_high - rb.ci_low) / (2 * z)
    se = float(np.hypot(se_a, se_b))
    diff = rb.estimate - ra.estimate
    stat = diff / se if se > 0 else np.nan
    z_one = z_critical(2.0 * confidence_level - 1.0)
    ci_low, ci_high = {"two-sided": (diff - z * se, diff + z * se),
                       "greater": (diff - z_one * se, np.inf),
                       "less": (-np.inf, diff + z_one * se)}[alternative]
    return Comparison(kpi="utilisation", estimate_a=ra.estimate, estimate_b=rb.estimate,
                      difference=diff, ci_low=ci_low, ci_high=ci_high,
                      statistic=stat, pvalue=pvalue_from_z(stat, alternative),
                      method="bootstrap_agents_normal", test="z_bootstrap_se",
                      confidence_level=confidence_level, unit=comparison_unit("%"),
                      n_a=ra.n, n_b=rb.n, alternative=alternative, label_a=label_a,
                      label_b=label_b)


for _kpi in PROPORTION_KPIS:
    register_kpi(_proportion_definition(_kpi))
register_kpi(_backlog_definition())
register_kpi(_agent_definition("utilisation"))
register_kpi(_agent_definition("productivity"))
