"""Power and sample size for comparing two groups: NPS and proportions (CSAT, rates).

Three questions, for a baseline group ``a`` and a new group ``b`` (``change = b − a``):

- how many responses per group are needed to detect a change of a given size with a given
  power (`nps_sample_size`, `proportion_sample_size`);
- what power a planned or achieved sample has (`nps_power`, `proportion_power`);
- the smallest change that the n at hand detects with the given power, the *minimum
  detectable change* (`nps_minimum_detectable_change`,
  `proportion_minimum_detectable_change`).

Units follow the KPI layer: shares and rates in percent (0–100), NPS changes in points,
proportion changes in percentage points. ``alternative`` has scipy's direction for
``b − a``: ``"greater"`` plans a test of ``b > a``.

References
----------
.. [Rocks16] Rocks B (2016). Interval estimation for the 'net promoter score'. Am Stat
   70:365–372 (the NPS as the mean of a +1/0/−1 score, trinomial variance).
.. [CSW08] Chow S-C, Shao J, Wang H (2008). Sample Size Calculations in Clinical Research,
   2nd ed., Chapman & Hall/CRC, §3.2 (two-sample z test of means, unequal variances).
.. [FLP03] Fleiss JL, Levin B, Paik MC (2003). Statistical Methods for Rates and
   Proportions, 3rd ed., Wiley, §4.2 eq. (4.14) and (4.15) (two-proportion sample size,
   with and without continuity correction).
.. [FTU80] Fleiss JL, Tytun A, Ury HK (1980). A simple approximation for calculating sample
   sizes for comparing independent proportions. Biometrics 36:343–346 (continuity
   correction for unequal group sizes, after Casagrande, Pike & Smith 1978).
.. [Cohen88] Cohen J (1988). Statistical Power Analysis for the Behavioral Sciences, 2nd ed.,
   Erlbaum, ch. 6 (effect size h = 2·asin√p2 − 2·asin√p1).
.. [MU] Lewis JR, Sauro J (2021). Sample sizes for comparing Net Promoter Scores.
   MeasuringU, https://measuringu.com/nps-sig-test-sample-size/ (the same z formula with
   adjusted-Wald variances).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from scipy import optimize, stats

from kpitools.core.display import format_number
from kpitools.core.validation import check_alternative, check_choice, check_confidence_level

__all__ = [
    "NPS_SHIFTS",
    "PROPORTION_POWER_METHODS",
    "SAMPLE_SIZE_COLUMNS",
    "SampleSize",
    "nps_sample_size",
    "nps_power",
    "nps_minimum_detectable_change",
    "proportion_sample_size",
    "proportion_power",
    "proportion_minimum_detectable_change",
]

NpsShift = Literal["split", "promoters", "detractors", "equal_variance"]
ProportionPowerMethod = Literal["fleiss", "fleiss_cc", "arcsine"]

NPS_SHIFTS: tuple[str, ...] = ("split", "promoters", "detractors", "equal_variance")
PROPORTION_POWER_METHODS: tuple[str, ...] = ("fleiss", "fleiss_cc", "arcsine")

#: Columns of `SampleSize.to_frame`.
SAMPLE_SIZE_COLUMNS: tuple[str, ...] = (
    "kpi", "baseline", "change", "n_a", "n_b", "n_total", "power", "achieved_power",
    "confidence_level", "alternative", "method", "unit",
)


@dataclass(frozen=True)
class SampleSize:
    """Responses needed per group to detect a change.

    Attributes
    ----------
    kpi : str
        ``"nps"`` or ``"proportion"``.
    baseline : float
        Baseline value of the KPI (NPS points, or percent).
    change : float
        The change to detect, ``b − a`` (NPS points, or percentage points).
    n_a, n_b, n_total : int
        Responses needed in the baseline group, in the new group, and together.
    power : float
        The power asked for.
    achieved_power : float
        Power of the test at ``n_a``, ``n_b`` under the method's model (at least ``power``,
        a little more because of rounding up).
    confidence_level : float
        Confidence level (1 − significance level) of the planned test.
    alternative : {"two-sided", "less", "greater"}
    method : str
        The sample-size method, e.g. ``"nps_z_split"`` or ``"fleiss"``.
    unit : str
        ``"points"`` (NPS) or ``"%"`` (proportions).
    """

    kpi: str
    baseline: float
    change: float
    n_a: int
    n_b: int
    n_total: int
    power: float
    achieved_power: float
    confidence_level: float
    alternative: str
    method: str
    unit: str

    def to_frame(self) -> pd.DataFrame:
        """One tidy row with the columns of ``SAMPLE_SIZE_COLUMNS``."""
        return pd.DataFrame([{c: getattr(self, c) for c in SAMPLE_SIZE_COLUMNS}],
                            columns=list(SAMPLE_SIZE_COLUMNS))

    def __repr__(self) -> str:
        unit = "points" if self.unit == "points" else "pp"
        return (
            f"<{self.kpi.upper()} sample size: n_a={self.n_a:,}, n_b={self.n_b:,} to detect "
            f"{format_number(self.change, signed=True)} {unit} from "
            f"{format_number(self.baseline)} with {self.power:.0%} power at "
            f"{self.confidence_level:.0%} confidence ({self.alternative}, {self.method})>"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        unit = "points" if self.unit == "points" else "percentage points"
        rows = [
            ("Baseline", f"{format_number(self.baseline)} {esc(self.unit)}"),
            ("Change to detect", f"{format_number(self.change, signed=True)} {unit}"),
            ("n per group (a, b)", f"{self.n_a:,}, {self.n_b:,}"),
            ("n total", f"{self.n_total:,}"),
            ("Power", f"{self.power:.0%} (achieved {self.achieved_power:.1%})"),
            ("Confidence level", f"{self.confidence_level:.0%}, {esc(self.alternative)}"),
            ("Method", esc(self.method)),
        ]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>"
                       for k, v in rows)
        return (f"<table class='kpitools-result'><caption>{esc(self.kpi.upper())} sample size"
                f"</caption>{body}</table>")


# ------------------------------------------------------------------------------ validation


def _check_pct(name: str, value: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in percent (0–100), got {value!r}") from None
    if math.isnan(v) or not 0.0 <= v <= 100.0:
        raise ValueError(f"{name} must be in percent (0–100), got {value!r}")
    return v / 100.0


def _check_power(power: float) -> float:
    try:
        p = float(power)
    except (TypeError, ValueError):
        raise ValueError(f"power must be a number in (0, 1), got {power!r}") from None
    if math.isnan(p) or not 0.0 < p < 1.0:
        raise ValueError(f"power must be in (0, 1), got {power!r}")
    return p


def _check_ratio(ratio: float) -> float:
    try:
        r = float(ratio)
    except (TypeError, ValueError):
        raise ValueError(f"ratio must be a positive number (n_b / n_a), got {ratio!r}") from None
    if math.isnan(r) or r <= 0 or math.isinf(r):
        raise ValueError(f"ratio must be a positive number (n_b / n_a), got {ratio!r}")
    return r


def _check_n(name: str, n: float) -> float:
    try:
        v = float(n)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number of responses, got {n!r}") from None
    if math.isnan(v) or v <= 0 or math.isinf(v):
        raise ValueError(f"{name} must be a positive number of responses, got {n!r}")
    return v


def _check_change(change: float, alternative: str, unit: str) -> float:
    try:
        c = float(change)
    except (TypeError, ValueError):
        raise ValueError(f"change must be a number of {unit}, got {change!r}") from None
    if math.isnan(c) or c == 0:
        raise ValueError(f"change must be a non-zero number of {unit}, got {change!r}")
    if alternative == "greater" and c < 0:
        raise ValueError(f"alternative='greater' tests an increase (b − a > 0) but "
                         f"change={change!r} is negative")
    if alternative == "less" and c > 0:
        raise ValueError(f"alternative='less' tests a decrease (b − a < 0) but "
                         f"change={change!r} is positive")
    return c


def _z_alpha(confidence_level: float, alternative: str) -> float:
    alpha = 1.0 - confidence_level
    tail = alpha / 2.0 if alternative == "two-sided" else alpha
    return float(stats.norm.isf(tail))


def _power_from_se(delta: float, se0: float, se1: float, z_alpha: float, alternative: str,
                   shrink: float = 0.0) -> float:
    """Power of a z test of ``delta`` with null SE ``se0``, alternative SE ``se1``.

    ``shrink`` is subtracted from |delta| (continuity correction). Two-sided power counts
    both rejection regions.
    """
    up = stats.norm.cdf((delta - shrink - z_alpha * se0) / se1)
    down = stats.norm.cdf((-delta - shrink - z_alpha * se0) / se1)
    if alternative == "greater":
        return float(up)
    if alternative == "less":
        return float(down)
    return float(up + down)


def _ceil(x: float) -> int:
    # guard against 76.00000000001 from floating point
    return int(math.ceil(x - 1e-9))


# ----------------------------------------------------------------------------------- NPS


def _nps_shares(promoters_pct: float, detractors_pct: float) -> tuple[float, float]:
    p_pro = _check_pct("promoters_pct", promoters_pct)
    p_det = _check_pct("detractors_pct", detractors_pct)
    if p_pro + p_det > 1.0 + 1e-12:
        raise ValueError(f"promoters_pct + detractors_pct must not exceed 100, got "
                         f"{promoters_pct!r} + {detractors_pct!r}")
    return p_pro, p_det


def _trinomial_var(p_pro: float, p_det: float) -> float:
    return p_pro + p_det - (p_pro - p_det) ** 2


def _nps_variances(p_pro: float, p_det: float, delta: float, shift: str) -> tuple[float, float]:
    """Per-response variances of groups a and b when NPS_b = NPS_a + delta (fractions)."""
    var_a = _trinomial_var(p_pro, p_det)
    if shift == "equal_variance":
        return var_a, var_a
    if shift == "split":
        q_pro, q_det = p_pro + delta / 2.0, p_det - delta / 2.0
    elif shift == "promoters":
        q_pro, q_det = p_pro + delta, p_det
    else:  # detractors
        q_pro, q_det = p_pro, p_det - delta
    tol = 1e-12
    if q_pro < -tol or q_det < -tol or q_pro + q_det > 1.0 + tol:
        raise ValueError(
            f"a change of {delta * 100:g} points with shift={shift!r} gives impossible shares "
            f"in group b (promoters {q_pro * 100:g} %, detractors {q_det * 100:g} %); choose a "
            f"smaller change or another shift")
    return var_a, _trinomial_var(max(q_pro, 0.0), max(q_det, 0.0))


def nps_sample_size(
    promoters_pct: float,
    detractors_pct: float,
    change: float,
    *,
    power: float = 0.8,
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    ratio: float = 1.0,
    shift: NpsShift = "split",
) -> SampleSize:
    """Responses needed per group to detect an NPS change of ``change`` points.

    Parameters
    ----------
    promoters_pct, detractors_pct : float
        Baseline shares of promoters and detractors, in percent (0–100).
    change : float
        NPS change to detect, ``NPS_b − NPS_a`` in points (e.g. ``10``; negative for a drop).
    power : float, default 0.8
        Probability of detecting the change when it is real (1 − β).
    confidence_level : float, default 0.95
        Confidence level of the planned test (significance level 1 − confidence_level).
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        Direction of the planned test of ``b − a`` (scipy's sense).
    ratio : float, default 1.0
        ``n_b / n_a``, for unequal groups.
    shift : {"split", "promoters", "detractors", "equal_variance"}, default "split"
        How group b's answers differ, which sets its variance:

        - ``"split"``: half the change comes from more promoters, half from fewer
          detractors (``pP + Δ/2``, ``pD − Δ/2``); variance of b from these shares.
        - ``"promoters"``: only promoters change (passives absorb the difference).
        - ``"detractors"``: only detractors change.
        - ``"equal_variance"``: group b has the baseline's variance (the textbook
          simplification; it ignores that moving shares changes the variance:
          923 instead of 876 responses in the example below).

    Returns
    -------
    SampleSize
        ``n_a``, ``n_b``, ``n_total``, ``achieved_power`` and the inputs (see `SampleSize`).

    See Also
    --------
    nps_power, nps_minimum_detectable_change, kpitools.stats.significance.nps_test

    Notes
    -----
    The NPS is the mean of a score that is +1 for a promoter, 0 for a passive and −1 for a
    detractor, with per-response variance ``σ² = pP + pD − (pP − pD)²`` [Rocks16]_. The
    two-sample z test of `kpitools.stats.significance.nps_test` divides the difference by
    ``sqrt(σa²/n_a + σb²/n_b)``; the standard two-sample z formula with unequal variances
    [CSW08]_ gives

    .. math:: n_a = (z_{1-α/2} + z_{1-β})^2 (σ_a^2 + σ_b^2 / k) / Δ^2, \\quad n_b = k\\,n_a

    (``z_{1−α}`` for a one-sided test), rounded up. With ``shift="equal_variance"`` and
    the adjusted-Wald variance this is the method of [MU]_ (which also subtracts the 3
    pseudo-responses, a difference of 3 per group). ``achieved_power`` counts both
    rejection regions of a two-sided test.

    References
    ----------
    See the module references [Rocks16]_, [CSW08]_ and [MU]_.

    Examples
    --------
    Baseline 45 % promoters and 20 % detractors (NPS 25); detect a rise to NPS 35:

    >>> ss = nps_sample_size(45, 20, 10)
    >>> ss.n_a, ss.n_b, ss.n_total
    (876, 876, 1752)
    >>> nps_sample_size(45, 20, 10, shift="equal_variance").n_a
    923
    """
    level = check_confidence_level(confidence_level)
    pw = _check_power(power)
    check_alternative(alternative)
    check_choice("shift", shift, NPS_SHIFTS)
    k = _check_ratio(ratio)
    p_pro, p_det = _nps_shares(promoters_pct, detractors_pct)
    delta = _check_change(change, alternative, "NPS points") / 100.0
    var_a, var_b = _nps_variances(p_pro, p_det, delta, shift)
    z_a = _z_alpha(level, alternative)
    z_b = float(stats.norm.ppf(pw))
    n_exact = (z_a + z_b) ** 2 * (var_a + var_b / k) / delta**2
    n_a, n_b = _ceil(n_exact), _ceil(k * n_exact)
    se = math.sqrt(var_a / n_a + var_b / n_b)
    achieved = _power_from_se(delta, se, se, z_a, alternative)
    return SampleSize(
        kpi="nps", baseline=100.0 * (p_pro - p_det), change=float(change), n_a=n_a, n_b=n_b,
        n_total=n_a + n_b, power=pw, achieved_power=achieved, confidence_level=level,
        alternative=alternative, method=f"nps_z_{shift}", unit="points",
    )


def nps_power(
    promoters_pct: float,
    detractors_pct: float,
    change: float,
    n_a: float,
    n_b: float | None = None,
    *,
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    shift: NpsShift = "split",
) -> float:
    """Power of the two-sample NPS z test to detect ``change`` points with ``n_a``, ``n_b``.

    Parameters
    ----------
    promoters_pct, detractors_pct : float
        Baseline shares in percent.
    change : float
        True NPS change ``b − a`` in points.
    n_a : float
        Responses in the baseline group.
    n_b : float, optional
        Responses in the new group; ``n_a`` when omitted.
    confidence_level, alternative, shift
        As in `nps_sample_size`.

    Returns
    -------
    float
        Power in [0, 1]: ``Φ((Δ − z·se)/se) + Φ((−Δ − z·se)/se)`` for a two-sided test, with
        ``se = sqrt(σa²/n_a + σb²/n_b)`` [Rocks16]_ [CSW08]_.

    See Also
    --------
    nps_sample_size, nps_minimum_detectable_change

    Examples
    --------
    >>> round(nps_power(45, 20, 10, 500), 3)
    0.563
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    check_choice("shift", shift, NPS_SHIFTS)
    p_pro, p_det = _nps_shares(promoters_pct, detractors_pct)
    delta = _check_change(change, alternative, "NPS points") / 100.0
    na = _check_n("n_a", n_a)
    nb = na if n_b is None else _check_n("n_b", n_b)
    var_a, var_b = _nps_variances(p_pro, p_det, delta, shift)
    se = math.sqrt(var_a / na + var_b / nb)
    return _power_from_se(delta, se, se, _z_alpha(level, alternative), alternative)


def _solve_change(power_of, target: float, upper: float) -> float:
    """Smallest positive change (fraction) in (0, upper] whose power reaches ``target``."""
    lo = 1e-9
    if power_of(upper) < target:
        raise ValueError(f"no change up to {upper * 100:g} reaches the requested power with "
                         f"this sample size; increase n or lower the power")
    return float(optimize.brentq(lambda d: power_of(d) - target, lo, upper, xtol=1e-10))


def nps_minimum_detectable_change(
    promoters_pct: float,
    detractors_pct: float,
    n_a: float,
    n_b: float | None = None,
    *,
    power: float = 0.8,
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    shift: NpsShift = "split",
) -> float:
    """Smallest NPS change (points) that ``n_a`` and ``n_b`` responses detect with ``power``.

    Parameters
    ----------
    promoters_pct, detractors_pct : float
        Baseline shares in percent.
    n_a : float
        Responses in the baseline group.
    n_b : float, optional
        Responses in the new group; ``n_a`` when omitted.
    power, confidence_level, alternative, shift
        As in `nps_sample_size`.

    Returns
    -------
    float
        The minimum detectable change in NPS points: positive (a rise) for
        ``"two-sided"`` and ``"greater"``, negative (a drop) for ``"less"``. With
        ``shift="equal_variance"`` it is (up to the far rejection region, ~1e-5 points)
        ``(z_{1−α/2} + z_{1−β})·σ·sqrt(1/n_a + 1/n_b)``;
        otherwise it is found by root finding on `nps_power` (the other rejection region of
        a two-sided test is counted, as in `nps_power`).

    See Also
    --------
    nps_sample_size, nps_power, proportion_minimum_detectable_change

    Examples
    --------
    With 400 responses per quarter and a baseline of 45 % promoters, 20 % detractors:

    >>> round(nps_minimum_detectable_change(45, 20, 400), 1)
    14.6
    """
    level = check_confidence_level(confidence_level)
    pw = _check_power(power)
    check_alternative(alternative)
    check_choice("shift", shift, NPS_SHIFTS)
    p_pro, p_det = _nps_shares(promoters_pct, detractors_pct)
    na = _check_n("n_a", n_a)
    nb = na if n_b is None else _check_n("n_b", n_b)
    sign = -1.0 if alternative == "less" else 1.0
    z_a = _z_alpha(level, alternative)
    # the largest change the shift allows in this direction
    if shift == "equal_variance":
        upper = 2.0
    elif shift == "split":
        upper = 2.0 * (p_det if sign > 0 else p_pro)
    elif shift == "promoters":
        upper = (1.0 - p_pro - p_det) if sign > 0 else p_pro
    else:
        upper = p_det if sign > 0 else (1.0 - p_pro - p_det)
    if upper <= 0:
        raise ValueError(f"with shift={shift!r} these baseline shares leave no room for a "
                         f"change in this direction")

    def power_of(d: float) -> float:
        var_a, var_b = _nps_variances(p_pro, p_det, sign * d, shift)
        se = math.sqrt(var_a / na + var_b / nb)
        if se == 0:
            return 1.0
        return _power_from_se(sign * d, se, se, z_a, alternative)

    return sign * 100.0 * _solve_change(power_of, pw, upper)


# ---------------------------------------------------------------------------- proportions


def _proportion_power(p1: float, p2: float, na: float, nb: float, z_a: float,
                      alternative: str, method: str) -> float:
    delta = p2 - p1
    if method == "arcsine":
        h = 2.0 * math.asin(math.sqrt(p2)) - 2.0 * math.asin(math.sqrt(p1))
        se = math.sqrt(1.0 / na + 1.0 / nb)
        return _power_from_se(h, se, se, z_a, alternative)
    pbar = (na * p1 + nb * p2) / (na + nb)
    se0 = math.sqrt(pbar * (1 - pbar) * (1.0 / na + 1.0 / nb))
    se1 = math.sqrt(p1 * (1 - p1) / na + p2 * (1 - p2) / nb)
    if se1 == 0:
        se1 = 1e-300
    shrink = 0.5 * (1.0 / na + 1.0 / nb) if method == "fleiss_cc" else 0.0
    return _power_from_se(delta, se0, se1, z_a, alternative, shrink)


def proportion_sample_size(
    baseline_pct: float,
    change: float,
    *,
    power: float = 0.8,
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    ratio: float = 1.0,
    method: ProportionPowerMethod = "fleiss",
) -> SampleSize:
    """Responses needed per group to detect a change of a proportion (CSAT, FCR, a rate).

    Parameters
    ----------
    baseline_pct : float
        Baseline proportion ``p_a`` in percent (0–100).
    change : float
        Change to detect, ``p_b − p_a`` in percentage points (negative for a drop).
    power : float, default 0.8
    confidence_level : float, default 0.95
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
    ratio : float, default 1.0
        ``n_b / n_a``.
    method : {"fleiss", "fleiss_cc", "arcsine"}, default "fleiss"
        - ``"fleiss"``: the two-proportion z test with pooled null variance (the test of
          `kpitools.stats.significance.two_proportion_test`), Fleiss, Levin & Paik eq. (4.14)
          [FLP03]_; R's ``power.prop.test`` solves the same equation.
        - ``"fleiss_cc"``: the same with the continuity correction of eq. (4.15)
          (Casagrande–Pike–Smith, extended to unequal groups by [FTU80]_); plans for the
          corrected χ² or, approximately, Fisher's exact test. More conservative.
        - ``"arcsine"``: Cohen's effect size ``h = 2·asin√p_b − 2·asin√p_a`` with
          ``n_a = (z_α + z_β)²(1 + 1/k)/h²`` [Cohen88]_ (statsmodels ``NormalIndPower`` with
          ``proportion_effectsize``, R ``pwr.2p.test``).

    Returns
    -------
    SampleSize
        ``n_a``, ``n_b``, ``n_total``, ``achieved_power`` and the inputs.

    See Also
    --------
    proportion_power, proportion_minimum_detectable_change,
    kpitools.stats.significance.two_proportion_test

    Notes
    -----
    With ``p̄ = (p_a + k·p_b)/(1 + k)`` and ``Δ = p_b − p_a``, ``"fleiss"`` gives

    .. math:: n_a' = \\frac{\\left(z_{1-α/2}\\sqrt{(1 + 1/k)\\,\\bar p \\bar q}
              + z_{1-β}\\sqrt{p_a q_a + p_b q_b / k}\\right)^2}{Δ^2}

    and ``"fleiss_cc"`` ``n_a = n_a'/4 · (1 + sqrt(1 + 2(k + 1)/(k·n_a'·|Δ|)))²``; in both
    ``n_b = k·n_a``, rounded up.

    References
    ----------
    See the module references [FLP03]_, [FTU80]_ and [Cohen88]_.

    Examples
    --------
    CSAT at 80 %; detect a rise of 5 percentage points:

    >>> proportion_sample_size(80, 5).n_a
    906
    >>> proportion_sample_size(80, 5, method="fleiss_cc").n_a
    945
    >>> proportion_sample_size(80, 5, method="arcsine").n_a
    903
    """
    level = check_confidence_level(confidence_level)
    pw = _check_power(power)
    check_alternative(alternative)
    check_choice("method", method, PROPORTION_POWER_METHODS)
    k = _check_ratio(ratio)
    p1 = _check_pct("baseline_pct", baseline_pct)
    delta = _check_change(change, alternative, "percentage points") / 100.0
    p2 = p1 + delta
    if not 0.0 <= p2 <= 1.0:
        raise ValueError(f"baseline_pct + change must be in 0–100, got {baseline_pct!r} + "
                         f"{change!r}")
    z_a = _z_alpha(level, alternative)
    z_b = float(stats.norm.ppf(pw))
    if method == "arcsine":
        h = 2.0 * math.asin(math.sqrt(p2)) - 2.0 * math.asin(math.sqrt(p1))
        n_exact = (z_a + z_b) ** 2 * (1.0 + 1.0 / k) / h**2
    else:
        pbar = (p1 + k * p2) / (1.0 + k)
        n_exact = (z_a * math.sqrt((1.0 + 1.0 / k) * pbar * (1 - pbar))
                   + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2) / k)) ** 2 / delta**2
        if method == "fleiss_cc":
            n_exact = n_exact / 4.0 * (
                1.0 + math.sqrt(1.0 + 2.0 * (k + 1.0) / (k * n_exact * abs(delta)))) ** 2
    n_a, n_b = _ceil(n_exact), _ceil(k * n_exact)
    achieved = _proportion_power(p1, p2, n_a, n_b, z_a, alternative, method)
    return SampleSize(
        kpi="proportion", baseline=100.0 * p1, change=float(change), n_a=n_a, n_b=n_b,
        n_total=n_a + n_b, power=pw, achieved_power=achieved, confidence_level=level,
        alternative=alternative, method=method, unit="%",
    )


def proportion_power(
    baseline_pct: float,
    change: float,
    n_a: float,
    n_b: float | None = None,
    *,
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    method: ProportionPowerMethod = "fleiss",
) -> float:
    """Power of the two-proportion test to detect ``change`` percentage points.

    Parameters
    ----------
    baseline_pct : float
        Baseline proportion in percent.
    change : float
        True change ``p_b − p_a`` in percentage points.
    n_a : float
        Responses in the baseline group.
    n_b : float, optional
        Responses in the new group; ``n_a`` when omitted.
    confidence_level, alternative, method
        As in `proportion_sample_size`.

    Returns
    -------
    float
        Power in [0, 1]. ``"fleiss"``: ``Φ((|Δ| − z·se₀)/se₁)`` with the pooled null
        standard error ``se₀`` and the alternative's ``se₁`` [FLP03]_ (plus the other
        rejection region for a two-sided test); ``"fleiss_cc"`` subtracts
        ``½(1/n_a + 1/n_b)`` from ``|Δ|``; ``"arcsine"`` uses ``|h|/sqrt(1/n_a + 1/n_b)``
        [Cohen88]_.

    See Also
    --------
    proportion_sample_size, proportion_minimum_detectable_change

    Examples
    --------
    R's ``power.prop.test(n = 50, p1 = .50, p2 = .75)`` gives power 0.740:

    >>> round(proportion_power(50, 25, 50), 3)
    0.74
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    check_choice("method", method, PROPORTION_POWER_METHODS)
    p1 = _check_pct("baseline_pct", baseline_pct)
    delta = _check_change(change, alternative, "percentage points") / 100.0
    p2 = p1 + delta
    if not 0.0 <= p2 <= 1.0:
        raise ValueError(f"baseline_pct + change must be in 0–100, got {baseline_pct!r} + "
                         f"{change!r}")
    na = _check_n("n_a", n_a)
    nb = na if n_b is None else _check_n("n_b", n_b)
    return _proportion_power(p1, p2, na, nb, _z_alpha(level, alternative), alternative, method)


def proportion_minimum_detectable_change(
    baseline_pct: float,
    n_a: float,
    n_b: float | None = None,
    *,
    power: float = 0.8,
    confidence_level: float = 0.95,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    method: ProportionPowerMethod = "fleiss",
) -> float:
    """Smallest change (percentage points) of a proportion detectable with ``power``.

    Parameters
    ----------
    baseline_pct : float
        Baseline proportion in percent.
    n_a : float
        Responses in the baseline group.
    n_b : float, optional
        Responses in the new group; ``n_a`` when omitted.
    power, confidence_level, alternative, method
        As in `proportion_sample_size`.

    Returns
    -------
    float
        The minimum detectable change in percentage points, found by root finding on
        `proportion_power`: positive (a rise) for ``"two-sided"`` and ``"greater"``,
        negative (a drop) for ``"less"``.

    See Also
    --------
    proportion_sample_size, proportion_power, nps_minimum_detectable_change

    Examples
    --------
    R's ``power.prop.test(n = 50, p1 = .5, power = .90)`` gives ``p2 = 0.8026``:

    >>> round(proportion_minimum_detectable_change(50, 50, power=0.9), 2)
    30.26
    """
    level = check_confidence_level(confidence_level)
    pw = _check_power(power)
    check_alternative(alternative)
    check_choice("method", method, PROPORTION_POWER_METHODS)
    p1 = _check_pct("baseline_pct", baseline_pct)
    na = _check_n("n_a", n_a)
    nb = na if n_b is None else _check_n("n_b", n_b)
    sign = -1.0 if alternative == "less" else 1.0
    upper = (1.0 - p1) if sign > 0 else p1
    if upper <= 0:
        raise ValueError(f"baseline_pct={baseline_pct!r} leaves no room for a change in this "
                         f"direction")
    z_a = _z_alpha(level, alternative)

    def power_of(d: float) -> float:
        return _proportion_power(p1, p1 + sign * d, na, nb, z_a, alternative, method)

    return sign * 100.0 * _solve_change(power_of, pw, upper)
