"""Seeded generator of realistic customer-service data, and draws for coverage simulations.

`simulate_service_data` makes every table that kpitools reads — surveys, tickets, calls,
customers, agents with their availability, and competitor benchmarks — with the canonical
column names, over several quarters, several teams and three channels. Real effects are
built in, so that a report shows significant and non-significant changes side by side:

* ``EFFECTS["nps_rise_team"]`` — this team's NPS rises by about 20 points in the last quarter
  (a true change, large enough to be significant at the bundled sample size);
* ``EFFECTS["noise_team"]`` — this team's true NPS does not change: any difference seen in the
  last quarter is sampling noise;
* ``EFFECTS["frt_worse_channel"]`` — first response time on this channel is 70 % longer in the
  last quarter;
* satisfaction predicts churn: each customer has a latent satisfaction that raises their
  survey answers and lowers their monthly churn hazard (hazard ratio ``EFFECTS["churn_hr"]``
  per standard deviation).

The bundled sample data (`kpitools.datasets`) is ``simulate_service_data()`` with its default
seed. The draws `draw_nps_scores` and `draw_nps_counts` serve coverage simulations.

Examples
--------
>>> from kpitools.datasets.simulate import simulate_service_data
>>> data = simulate_service_data(seed=1, scale=0.1)
>>> sorted(data.tables())
['agent_availability', 'agents', 'calls', 'competitor_published', 'competitor_surveys', \
'customers', 'surveys', 'tickets']
>>> list(data.surveys.columns)
['response_id', 'customer_id', 'team', 'channel', 'quarter', 'date', 'nps', 'csat', 'ces']
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.validation import check_count
from kpitools.datasets.mapping import empty_targets_frame
from kpitools.datasets.quality import empty_quality_frame
from kpitools.tables.business_hours import BusinessHours
from kpitools.tables.schema import SUMMARY_TABLES, TABLE_COLUMNS, TABLE_NAMES

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_TEAMS",
    "DEFAULT_CHANNELS",
    "EFFECTS",
    "TABLE_COLUMNS",
    "SIMULATED_COLUMNS",
    "ServiceData",
    "simulate_service_data",
    "draw_nps_scores",
    "draw_nps_counts",
    "quarter_range",
    "quarter_bounds",
]

#: Seed of the bundled sample data.
DEFAULT_SEED = 20260954

#: Team names of the bundled sample data.
DEFAULT_TEAMS: tuple[str, ...] = (
    "Billing",
    "Onboarding",
    "Returns",
    "Technical Support",
    "Enterprise Desk",
    "Retention",
)

#: Channels of the bundled sample data.
DEFAULT_CHANNELS: tuple[str, ...] = ("phone", "email", "chat")

#: The effects built into the generator (team indices refer to the ``teams`` argument).
EFFECTS: dict[str, Any] = {
    "nps_rise_team": "Onboarding",  # true NPS rises ~20 points in the last quarter
    "nps_rise_team_index": 1,
    "noise_team": "Returns",  # true NPS unchanged in the last quarter
    "noise_team_index": 2,
    "frt_worse_channel": "email",  # FRT × 1.7 in the last quarter
    "frt_worse_factor": 1.7,
    "churn_hr": 0.45,  # monthly churn hazard ratio per +1 SD of latent satisfaction
}

#: Columns of `kpitools.tables.schema.SCHEMA` that the generator does not make (optional ones).
_NOT_SIMULATED: dict[str, tuple[str, ...]] = {
    "tickets": ("converted", "sla_met"),
    "calls": ("answered",),
}

#: The columns the generator writes for every table, in order: the schema's columns
#: (`TABLE_COLUMNS`) without the optional ones it does not simulate.
SIMULATED_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(c for c in columns if c not in _NOT_SIMULATED.get(name, ()))
    for name, columns in TABLE_COLUMNS.items()
}

_SEGMENTS = ("SMB", "Mid-market", "Enterprise")
_PRIORITIES = ("low", "normal", "high", "urgent")
# Relative contact volume by weekday (Mon..Sun) and by hour of day.
_WEEKDAY_WEIGHTS = np.array([1.25, 1.15, 1.1, 1.05, 0.95, 0.3, 0.2])
_HOUR_WEIGHTS = np.array([0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.5, 1.2, 2.4, 3.0, 3.1, 2.8,
                          2.2, 2.6, 2.9, 2.7, 2.3, 1.6, 1.0, 0.7, 0.5, 0.35, 0.2, 0.15])


def _empty(name: str) -> pd.DataFrame:
    from kpitools.datasets.reading import empty_table

    return empty_table(name)


@dataclass(frozen=True)
class ServiceData:
    """Every table of a customer-service data set (see `TABLE_COLUMNS` for the columns).

    Attributes
    ----------
    surveys, tickets, calls, customers, agents, agent_availability : pandas.DataFrame
        Own-company tables.
    competitor_surveys : pandas.DataFrame
        Raw NPS answers of benchmark surveys about competitors.
    competitor_published : pandas.DataFrame
        Published NPS breakdowns (``n``, ``promoters_pct``, ``detractors_pct``).
    calls_summary : pandas.DataFrame
        Call totals per month (``period_start, offered, answered, abandoned, ...``), when a
        data folder maps one; empty otherwise, and not among `tables` (the sample data has
        none).
    quality : pandas.DataFrame
        What reading left out: one row per problem (``table, column, severity, reason, count,
        n_rows, share, rows, values, action, file``; see `kpitools.datasets.quality`); empty
        for simulated data. Severity is ``"warning"`` (rows or values excluded, counted) or
        ``"note"`` (what was assumed). Reports render it as their "Data quality" appendix.
    business_hours : BusinessHours or None
        The desk's calendar from the folder's ``kpitools.toml`` (``[business_hours]``).
    targets : pandas.DataFrame
        Targets from ``kpitools.toml`` (``kpi, table, by, group, target, unit``; one row per
        group value).
    """

    surveys: pd.DataFrame
    tickets: pd.DataFrame
    calls: pd.DataFrame
    customers: pd.DataFrame
    agents: pd.DataFrame
    agent_availability: pd.DataFrame
    competitor_surveys: pd.DataFrame
    competitor_published: pd.DataFrame
    calls_summary: pd.DataFrame = field(default_factory=lambda: _empty("calls_summary"),
                                        compare=False, repr=False)
    quality: pd.DataFrame = field(default_factory=empty_quality_frame, compare=False,
                                  repr=False)
    business_hours: BusinessHours | None = field(default=None, compare=False)
    targets: pd.DataFrame = field(default_factory=empty_targets_frame, compare=False,
                                  repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name (not ``quality``, ``business_hours`` or ``targets``)."""
        return {name: getattr(self, name) for name in TABLE_NAMES}

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables())

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name in SUMMARY_TABLES:
            return getattr(self, name)  # type: ignore[no-any-return]
        return self.tables()[name]

    def write(self, directory: str | Path, *, compression: bool = True) -> list[Path]:
        """Write every table as ``<name>.csv.gz`` (or ``.csv``) into ``directory``.

        Returns the paths written. Timestamps are written to the second, dates as
        ``YYYY-MM-DD``; the files are byte-for-byte reproducible (no gzip time stamp).
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name, frame in self.tables().items():
            suffix = ".csv.gz" if compression else ".csv"
            path = directory / f"{name}{suffix}"
            options: Any = {"method": "gzip", "mtime": 0} if compression else None
            frame.to_csv(path, index=False, compression=options, date_format=None)
            written.append(path)
        return written


def quarter_range(end_quarter: str, n_quarters: int) -> list[str]:
    """The ``n_quarters`` quarters ending with ``end_quarter``, oldest first.

    >>> quarter_range("2026Q3", 3)
    ['2026Q1', '2026Q2', '2026Q3']
    """
    end = pd.Period(end_quarter, freq="Q")
    return [str(end - k) for k in range(n_quarters - 1, -1, -1)]


def quarter_bounds(quarter: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First instant of ``quarter`` and first instant of the next one.

    >>> quarter_bounds("2026Q3")
    (Timestamp('2026-07-01 00:00:00'), Timestamp('2026-10-01 00:00:00'))
    """
    p = pd.Period(quarter, freq="Q")
    return p.start_time.normalize(), (p + 1).start_time.normalize()


def draw_nps_scores(
    n: int, promoters: float, detractors: float, *, random_state: Any = None
) -> np.ndarray:
    """Draw ``n`` 0–10 answers whose categories follow a trinomial distribution.

    Each answer is a promoter (9–10) with probability ``promoters``, a detractor (0–6) with
    probability ``detractors`` and a passive (7–8) otherwise; within a category the score is
    uniform over its values. The true NPS is ``100 * (promoters - detractors)``.

    Parameters
    ----------
    n : int
        Number of answers (≥ 0).
    promoters, detractors : float
        Category probabilities, each in [0, 1] with a sum ≤ 1.
    random_state : None, int or numpy.random.Generator
        Seed or generator.

    Returns
    -------
    numpy.ndarray
        Integer scores 0–10.

    Examples
    --------
    >>> scores = draw_nps_scores(1000, 0.5, 0.2, random_state=3)
    >>> float(round(100 * ((scores >= 9).mean() - (scores <= 6).mean()), 1))
    31.6
    """
    n = check_count("n", n)
    p = _trinomial_probabilities(promoters, detractors)
    rng = np.random.default_rng(random_state)
    category = rng.choice(3, size=n, p=p)  # 0 promoter, 1 passive, 2 detractor
    scores = np.empty(n, dtype=np.int64)
    scores[category == 0] = rng.integers(9, 11, size=int((category == 0).sum()))
    scores[category == 1] = rng.integers(7, 9, size=int((category == 1).sum()))
    scores[category == 2] = rng.integers(0, 7, size=int((category == 2).sum()))
    return scores


def draw_nps_counts(
    n: int, promoters: float, detractors: float, *, size: int = 1, random_state: Any = None
) -> np.ndarray:
    """Draw ``size`` trinomial samples of ``n`` answers as counts.

    Returns an integer array of shape ``(size, 3)`` with columns promoters, passives,
    detractors (each row sums to ``n``), for coverage simulations of NPS intervals.

    Examples
    --------
    >>> draw_nps_counts(100, 0.4, 0.3, size=2, random_state=0)
    array([[41, 33, 26],
           [49, 28, 23]])
    """
    n = check_count("n", n)
    size = check_count("size", size, minimum=1)
    p = _trinomial_probabilities(promoters, detractors)
    rng = np.random.default_rng(random_state)
    return rng.multinomial(n, p, size=size)


def _trinomial_probabilities(promoters: float, detractors: float) -> list[float]:
    for name, value in (("promoters", promoters), ("detractors", detractors)):
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")
    passives = 1.0 - float(promoters) - float(detractors)
    if passives < -1e-12:
        raise ValueError(f"promoters + detractors must be ≤ 1, got {promoters!r} + "
                         f"{detractors!r}")
    return [float(promoters), max(passives, 0.0), float(detractors)]


# --------------------------------------------------------------------------------------
# The generator


def simulate_service_data(
    *,
    seed: int = DEFAULT_SEED,
    teams: Sequence[str] = DEFAULT_TEAMS,
    channels: Sequence[str] = DEFAULT_CHANNELS,
    end_quarter: str = "2026Q3",
    n_quarters: int = 8,
    scale: float = 1.0,
) -> ServiceData:
    """Simulate a customer-service data set with known effects.

    Parameters
    ----------
    seed : int, default `DEFAULT_SEED`
        Seed of the random generator; the same seed gives the same data.
    teams : sequence of str, default `DEFAULT_TEAMS`
        Team names (at least 3; the 2nd carries the NPS rise and the 3rd the noise-only
        change, see `EFFECTS`). Any string is accepted, including HTML.
    channels : sequence of str, default ``("phone", "email", "chat")``
        Channel names; ``"email"`` (when present, else the 2nd) gets the FRT worsening.
    end_quarter : str, default ``"2026Q3"``
        Last quarter of data (the data end on that quarter's last day).
    n_quarters : int, default 8
        Number of quarters.
    scale : float, default 1.0
        Multiplies every volume (0.1 gives a small data set for tests).

    Returns
    -------
    ServiceData
        The tables, with the columns of `TABLE_COLUMNS`.

    Notes
    -----
    Each customer has a latent satisfaction ``u ~ N(0, 1)``. A survey answer's latent score is
    ``z = team_level + change + 0.6 u + 0.8 e`` with ``e ~ N(0, 1)``, and
    ``nps = clip(round(8 + 1.7 z), 0, 10)``; CSAT (1–5) and CES 2.0 (1–7, "made it easy")
    are rounded linear functions of ``z`` plus their own noise. About 5 % of CSAT and 10 %
    of CES answers are missing. Churn: the monthly hazard is ``0.018 · churn_hr**u``.
    Ticket first response times are log-normal with medians 2 min (phone), 240 min (email)
    and 6 min (chat); resolution times log-normal by priority; calls wait an exponential
    time and abandon when it exceeds an exponential patience.

    Examples
    --------
    >>> data = simulate_service_data(seed=7, scale=0.1)
    >>> data.surveys["quarter"].unique()[[0, -1]].tolist()
    ['2024Q4', '2026Q3']
    >>> data.surveys["nps"].between(0, 10).all()
    np.True_
    """
    teams = [str(t) for t in teams]
    channels = [str(c) for c in channels]
    if len(teams) < 3 or len(set(teams)) != len(teams):
        raise ValueError(f"teams must hold at least 3 distinct names, got {teams!r}")
    if len(channels) < 2 or len(set(channels)) != len(channels):
        raise ValueError(f"channels must hold at least 2 distinct names, got {channels!r}")
    n_quarters = check_count("n_quarters", n_quarters, minimum=2)
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    rng = np.random.default_rng(seed)
    quarters = quarter_range(end_quarter, n_quarters)
    data_start = quarter_bounds(quarters[0])[0]
    data_end = quarter_bounds(quarters[-1])[1]  # exclusive

    agents, availability = _simulate_agents(rng, teams, quarters, data_start, data_end)
    customers, latent = _simulate_customers(rng, teams, data_start, data_end, scale)
    surveys = _simulate_surveys(rng, teams, channels, quarters, customers, latent, scale)
    tickets = _simulate_tickets(rng, teams, channels, quarters, customers, latent, agents,
                                data_end, scale)
    calls = _simulate_calls(rng, teams, quarters, agents, scale)
    comp_raw, comp_pub = _simulate_competitors(rng, quarters, scale)
    return ServiceData(
        surveys=surveys,
        tickets=tickets,
        calls=calls,
        customers=customers,
        agents=agents,
        agent_availability=availability,
        competitor_surveys=comp_raw,
        competitor_published=comp_pub,
    )


def _n(rng: np.random.Generator, mean: float, scale: float) -> int:
    return max(int(rng.poisson(mean * scale)), 3)


def _random_times(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp,
                  size: int) -> pd.DatetimeIndex:
    """Times in [start, end) following the weekday × hour pattern of contact centres."""
    days = pd.date_range(start, end - pd.Timedelta(days=1), freq="D")
    w = _WEEKDAY_WEIGHTS[days.day_of_week]
    day = rng.choice(len(days), size=size, p=w / w.sum())
    hour = rng.choice(24, size=size, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    seconds = rng.integers(0, 3600, size=size)
    out = days[day] + pd.to_timedelta(hour * 3600 + seconds, unit="s")
    return pd.DatetimeIndex(np.sort(out.values))


def _simulate_agents(rng, teams, quarters, data_start, data_end):
    rows = []
    k = 0
    span_days = (data_end - data_start).days
    for team in teams:
        for _ in range(5):
            k += 1
            start = data_start - pd.Timedelta(days=int(rng.integers(30, 900)))
            end = pd.NaT
            if rng.random() < 0.35:  # leaves during the data period, replaced
                end = data_start + pd.Timedelta(days=int(rng.integers(20, span_days - 20)))
                rows.append((f"A{k:03d}", team, start, end))
                k += 1
                rows.append((f"A{k:03d}", team, end + pd.Timedelta(days=int(rng.integers(1, 20))),
                             pd.NaT))
            else:
                rows.append((f"A{k:03d}", team, start, end))
    agents = pd.DataFrame(rows, columns=list(SIMULATED_COLUMNS["agents"]))
    agents["start_date"] = pd.to_datetime(agents["start_date"]).dt.normalize()
    agents["end_date"] = pd.to_datetime(agents["end_date"]).dt.normalize()
    avail = []
    for q in quarters:
        q0, q1 = quarter_bounds(q)
        for a in agents.itertuples(index=False):
            lo = max(a.start_date, q0)
            hi = q1 if pd.isna(a.end_date) else min(a.end_date, q1)
            days = (hi - lo).days
            if days <= 0:
                continue
            hours = 7.5 * days * 5 / 7 * rng.normal(0.88, 0.04)
            avail.append((a.agent_id, q, round(float(hours), 1)))
    availability = pd.DataFrame(avail, columns=list(SIMULATED_COLUMNS["agent_availability"]))
    return agents, availability


def _simulate_customers(rng, teams, data_start, data_end, scale):
    n = _n(rng, 2400, scale)
    first = data_start - pd.Timedelta(days=730)
    span = (data_end - first).days
    # more customers joined recently (growth)
    start_offset = (span * rng.power(1.4, size=n)).astype(int)
    start = first + pd.to_timedelta(start_offset, unit="D")
    u = rng.normal(size=n)
    hazard = 0.018 * EFFECTS["churn_hr"] ** u  # monthly
    months = rng.exponential(1.0 / hazard)
    end = start + pd.to_timedelta(np.round(months * 30.44).astype(int), unit="D")
    end = pd.Series(end).where(end < data_end, pd.NaT)
    segment = rng.choice(_SEGMENTS, size=n, p=[0.6, 0.3, 0.1])
    base = {"SMB": 120.0, "Mid-market": 900.0, "Enterprise": 6000.0}
    mrr = np.array([base[s] for s in segment]) * rng.lognormal(0.0, 0.35, size=n)
    expansion = np.where(rng.random(n) < 0.15 + 0.05 * (u > 0), mrr * rng.uniform(0.05, 0.3, n),
                         0.0)
    contraction = np.where(rng.random(n) < 0.10 + 0.05 * (u < 0),
                           mrr * rng.uniform(0.05, 0.3, n), 0.0)
    customers = pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(1, n + 1)],
        "team": rng.choice(teams, size=n),
        "segment": segment,
        "start_date": pd.DatetimeIndex(start).normalize(),
        "end_date": pd.to_datetime(end).dt.normalize().values,
        "mrr": np.round(mrr, 2),
        "expansion_mrr": np.round(expansion, 2),
        "contraction_mrr": np.round(contraction, 2),
    })
    return customers, u


def _active_customers(customers, q0, q1, team):
    c = customers
    mask = (c["team"] == team) & (c["start_date"] < q1) & (c["end_date"].isna()
                                                          | (c["end_date"] >= q0))
    return np.flatnonzero(mask.to_numpy())


def _simulate_surveys(rng, teams, channels, quarters, customers, u, scale):
    n_teams = len(teams)
    level = rng.normal(0.0, 0.22, size=n_teams)
    rise, noise = EFFECTS["nps_rise_team_index"], EFFECTS["noise_team_index"]
    level[rise] = -0.12
    level[noise] = 0.05
    drift = rng.normal(0.0, 0.025, size=n_teams)
    drift[[rise, noise]] = 0.0
    channel_effect = {ch: e for ch, e in zip(channels, (0.1, -0.15, 0.05, 0.0, 0.0, 0.0),
                                             strict=False)}
    channel_p = np.array([0.4, 0.35, 0.25, 0.1, 0.1, 0.1][: len(channels)])
    channel_p = channel_p / channel_p.sum()
    frames = []
    n_q = len(quarters)
    for qi, q in enumerate(quarters):
        q0, q1 = quarter_bounds(q)
        for ti, team in enumerate(teams):
            pool = _active_customers(customers, q0, q1, team)
            n = _n(rng, 230, scale)
            who = rng.choice(pool, size=n) if len(pool) else rng.integers(0, len(customers), n)
            ch = rng.choice(channels, size=n, p=channel_p)
            mu = level[ti] + drift[ti] * qi
            if ti == rise and qi == n_q - 1:
                mu += 0.36
            z = (mu + np.array([channel_effect[c] for c in ch]) + 0.6 * u[who]
                 + 0.8 * rng.normal(size=n))
            nps = np.clip(np.round(8.0 + 1.7 * z), 0, 10)
            csat = np.clip(np.round(3.9 + 0.75 * z + 0.5 * rng.normal(size=n)), 1, 5)
            ces = np.clip(np.round(5.2 + 0.9 * z + 0.8 * rng.normal(size=n)), 1, 7)
            csat[rng.random(n) < 0.05] = np.nan
            ces[rng.random(n) < 0.10] = np.nan
            start = customers["start_date"].to_numpy()[who]
            lo = np.maximum(start, np.datetime64(q0)).astype("datetime64[s]").astype(np.int64)
            end = customers["end_date"].to_numpy()[who]
            hi_t = np.where(pd.isna(end), np.datetime64(q1), end)
            hi = np.minimum(hi_t.astype("datetime64[s]"),
                            np.datetime64(q1, "s")).astype(np.int64)
            hi = np.maximum(hi, lo + 1)
            secs = lo + (rng.random(n) * (hi - lo)).astype(np.int64)
            date = pd.to_datetime(secs, unit="s").normalize()
            frames.append(pd.DataFrame({
                "customer_id": customers["customer_id"].to_numpy()[who],
                "team": team, "channel": ch, "quarter": q, "date": date,
                "nps": nps.astype(int), "csat": pd.array(csat, dtype="Int64"),
                "ces": pd.array(ces, dtype="Int64"),
            }))
    surveys = pd.concat(frames, ignore_index=True).sort_values(["date", "team"], kind="stable")
    surveys.insert(0, "response_id", [f"R{i:06d}" for i in range(1, len(surveys) + 1)])
    return surveys.reset_index(drop=True)[list(SIMULATED_COLUMNS["surveys"])]


def _pick_agents(rng, agents, team, when):
    team_agents = agents[agents["team"] == team]
    ids = team_agents["agent_id"].to_numpy()
    s = team_agents["start_date"].to_numpy()
    e = team_agents["end_date"].fillna(pd.Timestamp.max.normalize()).to_numpy()
    w = when.to_numpy()
    active = (s[None, :] <= w[:, None]) & (w[:, None] < e[None, :])
    active[~active.any(axis=1)] = True
    r = rng.random(active.shape) * active
    return ids[r.argmax(axis=1)]


def _simulate_tickets(rng, teams, channels, quarters, customers, u, agents, data_end, scale):
    worse = (EFFECTS["frt_worse_channel"] if EFFECTS["frt_worse_channel"] in channels
             else channels[1])
    frt_median = {ch: m for ch, m in zip(channels, (2.0, 240.0, 6.0, 30.0, 30.0, 30.0),
                                         strict=False)}
    if "email" in channels:
        frt_median["email"] = 240.0
    res_median = {"low": 48 * 60.0, "normal": 24 * 60.0, "high": 8 * 60.0, "urgent": 2 * 60.0}
    frames = []
    n_q = len(quarters)
    for qi, q in enumerate(quarters):
        q0, q1 = quarter_bounds(q)
        for team in teams:
            n = _n(rng, 130, scale)
            created = _random_times(rng, q0, q1, n)
            pool = _active_customers(customers, q0, q1, team)
            who = rng.choice(pool, size=n) if len(pool) else rng.integers(0, len(customers), n)
            ch = rng.choice(channels, size=n, p=_channel_probs(len(channels)))
            prio = rng.choice(_PRIORITIES, size=n, p=[0.25, 0.5, 0.18, 0.07])
            med = np.array([frt_median[c] for c in ch])
            if qi == n_q - 1:
                med = np.where(ch == worse, med * EFFECTS["frt_worse_factor"], med)
            frt = med * rng.lognormal(0.0, 0.8, size=n)
            res = np.array([res_median[p] for p in prio]) * rng.lognormal(0.0, 0.9, size=n)
            first = created + pd.to_timedelta(np.round(frt * 60), unit="s")
            resolved = first + pd.to_timedelta(np.round(res * 60), unit="s")
            resolved = pd.Series(resolved).where(resolved < data_end, pd.NaT)
            contacts = 1 + rng.poisson(0.45 + 0.2 * (prio == "urgent"), size=n)
            escalated = rng.random(n) < np.where(prio == "urgent", 0.25, 0.06)
            reopened = rng.random(n) < 0.05
            sat_z = 0.6 * u[who] - 0.35 * np.log(res / 1440.0) - 0.3 * (contacts > 1)
            sat = np.clip(np.round(4.0 + 0.8 * sat_z + 0.6 * rng.normal(size=n)), 1, 5)
            sat[rng.random(n) < 0.65] = np.nan
            frames.append(pd.DataFrame({
                "customer_id": customers["customer_id"].to_numpy()[who],
                "team": team,
                "agent": _pick_agents(rng, agents, team, created),
                "channel": ch, "priority": prio,
                "created_at": created, "first_response_at": first,
                "resolved_at": resolved.to_numpy(),
                "contacts": contacts,
                "first_contact_resolved": (contacts == 1) & resolved.notna().to_numpy(),
                "escalated": escalated, "reopened": reopened & resolved.notna().to_numpy(),
                "satisfaction": pd.array(sat, dtype="Int64"),
            }))
    tickets = pd.concat(frames, ignore_index=True).sort_values("created_at", kind="stable")
    tickets.insert(0, "ticket_id", [f"T{i:06d}" for i in range(1, len(tickets) + 1)])
    return tickets.reset_index(drop=True)[list(SIMULATED_COLUMNS["tickets"])]


def _channel_probs(k: int) -> np.ndarray:
    p = np.array([0.35, 0.4, 0.25, 0.1, 0.1, 0.1][:k])
    return p / p.sum()


def _simulate_calls(rng, teams, quarters, agents, scale):
    frames = []
    for q in quarters:
        q0, q1 = quarter_bounds(q)
        for ti, team in enumerate(teams):
            n = _n(rng, 110, scale)
            offered = _random_times(rng, q0, q1, n)
            mean_wait = 12.0 + 4.0 * ti
            wait = rng.exponential(mean_wait, size=n)
            patience = rng.exponential(300.0, size=n)
            abandoned = patience < wait
            wait = np.where(abandoned, patience, wait)
            talk = np.round(300.0 * rng.lognormal(0.0, 0.5, size=n))
            hold = np.where(rng.random(n) < 0.4, np.round(rng.exponential(60.0, size=n)), 0.0)
            acw = np.round(60.0 * rng.lognormal(0.0, 0.4, size=n))
            answered = offered + pd.to_timedelta(np.round(wait), unit="s")
            agent = _pick_agents(rng, agents, team, offered).astype(object)
            agent[abandoned] = None
            frames.append(pd.DataFrame({
                "team": team, "agent": agent, "offered_at": offered,
                "answered_at": pd.Series(answered).where(~abandoned, pd.NaT).to_numpy(),
                "wait_seconds": np.round(wait).astype(int),
                "talk_seconds": pd.array(np.where(abandoned, np.nan, talk), dtype="Int64"),
                "hold_seconds": pd.array(np.where(abandoned, np.nan, hold), dtype="Int64"),
                "acw_seconds": pd.array(np.where(abandoned, np.nan, acw), dtype="Int64"),
            }))
    calls = pd.concat(frames, ignore_index=True).sort_values("offered_at", kind="stable")
    calls.insert(0, "call_id", [f"K{i:06d}" for i in range(1, len(calls) + 1)])
    return calls.reset_index(drop=True)[list(SIMULATED_COLUMNS["calls"])]


def _simulate_competitors(rng, quarters, scale):
    raw = []
    for qi, q in enumerate(quarters):
        n = _n(rng, 260, scale)
        scores = draw_nps_scores(n, 0.40 + 0.005 * qi, 0.22, random_state=rng)
        raw.append(pd.DataFrame({"competitor": "Northwind", "quarter": q, "nps": scores}))
    pub = []
    for name, (pp, dd) in {"Contoso": (0.46, 0.17), "Globex": (0.33, 0.27)}.items():
        for q in quarters:
            n = int(rng.integers(900, 1300))
            counts = draw_nps_counts(n, pp, dd, random_state=rng)[0]
            pub.append((name, q, n, round(100 * counts[0] / n, 1), round(100 * counts[2] / n, 1)))
    published = pd.DataFrame(pub, columns=list(SIMULATED_COLUMNS["competitor_published"]))
    return pd.concat(raw, ignore_index=True), published
