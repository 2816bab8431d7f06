"""Staffing with Erlang C: agents needed to reach a service-level target.

Erlang C models an inbound queue as M/M/N: Poisson arrivals, exponential handle times, N
agents and callers who wait (no abandonment). With traffic ``A = calls × AHT / interval``
(Erlangs), the probability that a call waits is

``P_w = (A^N/N! · N/(N − A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N − A))``  for ``N > A``,

and the service level (share answered within ``t`` seconds) is
``SL = 1 − P_w · exp(−(N − A) · t / AHT)``; the average speed of answer is
``ASA = P_w · AHT / (N − A)`` and occupancy ``A/N`` [Erlang17]_ [Cooper81]_. `agents_needed`
returns the smallest N meeting the target (and an occupancy cap), then grosses it up for
shrinkage: ``ceil(N / (1 − shrinkage))``.

P_w is computed with the numerically stable Erlang B recursion
``B_0 = 1, B_k = A·B_{k−1} / (k + A·B_{k−1})``, ``P_w = N·B_N / (N − A(1 − B_N))``, so large
call centres (hundreds of agents) do not overflow factorials.

Erlang C ignores abandonment and so overstates the agents needed when callers hang up.

References
----------
.. [Erlang17] Erlang AK (1917). Solution of some problems in the theory of probabilities of
   significance in automatic telephone exchanges. Elektroteknikeren 13:5–13.
.. [Cooper81] Cooper RB (1981). Introduction to Queueing Theory, 2nd ed. North Holland, §3.4
   (M/M/s delay system, Erlang C).
.. [CCH] Call Centre Helper, "Erlang C formula — made simple with an easy worked example"
   (callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls per 30 minutes,
   AHT 180 s, 80 % in 20 s → 14 agents, service level 88.84 %, occupancy 71.43 %; with 30 %
   shrinkage 20 agents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "erlang_c",
    "erlang_service_level",
    "erlang_asa",
    "StaffingResult",
    "agents_needed",
    "staffing_plan",
]


def _check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if math.isnan(x) or (x < 0 if allow_zero else x <= 0):
        raise ValueError(f"{name} must be {'≥ 0' if allow_zero else 'positive'}, got {value!r}")
    return x


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a call has to wait (Erlang C), for ``traffic`` Erlangs and N agents.

    Returns 1.0 when ``agents ≤ traffic`` (the queue grows without bound).

    >>> round(erlang_c(10.0, 14), 4)
    0.1741
    """
    a = _check_positive("traffic", traffic, allow_zero=True)
    n = int(agents)
    if n != agents or n < 1:
        raise ValueError(f"agents must be a whole number ≥ 1, got {agents!r}")
    if a == 0:
        return 0.0
    if n <= a:
        return 1.0
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return float(n * b / (n - a * (1.0 - b)))


def erlang_service_level(traffic: float, agents: int, aht_seconds: float,
                         target_seconds: float) -> float:
    """Share of calls answered within ``target_seconds`` (0–1): ``1 − P_w·e^{−(N−A)t/AHT}``.

    >>> round(erlang_service_level(10.0, 14, 180, 20), 4)
    0.8884
    """
    aht = _check_positive("aht_seconds", aht_seconds)
    t = _check_positive("target_seconds", target_seconds, allow_zero=True)
    pw = erlang_c(traffic, agents)
    if agents <= traffic:
        return 0.0
    return float(1.0 - pw * math.exp(-(agents - traffic) * t / aht))


def erlang_asa(traffic: float, agents: int, aht_seconds: float) -> float:
    """Average speed of answer in seconds, ``P_w · AHT / (N − A)`` (inf when N ≤ A).

    >>> round(erlang_asa(10.0, 14, 180), 1)
    7.8
    """
    aht = _check_positive("aht_seconds", aht_seconds)
    if agents <= traffic:
        return math.inf
    return float(erlang_c(traffic, agents) * aht / (agents - traffic))


@dataclass(frozen=True)
class StaffingResult:
    """Agents needed for one interval.

    Attributes
    ----------
    calls, aht_seconds, interval_seconds : float
        The inputs.
    traffic : float
        Offered load in Erlangs.
    agents : int
        Agents on the phones (smallest N meeting the targets).
    agents_scheduled : int
        ``ceil(agents / (1 − shrinkage))``.
    service_level : float
        Achieved share answered within the target time (0–1).
    probability_wait : float
        Erlang C probability of waiting.
    asa_seconds : float
        Average speed of answer.
    occupancy : float
        ``traffic / agents``.
    """

    calls: float
    aht_seconds: float
    interval_seconds: float
    traffic: float
    agents: int
    agents_scheduled: int
    service_level: float
    probability_wait: float
    asa_seconds: float
    occupancy: float

    def to_frame(self) -> pd.DataFrame:
        """One tidy row with every field.

        >>> agents_needed(100, 180).to_frame()[["traffic", "agents"]]
           traffic  agents
        0      5.0       8
        """
        return pd.DataFrame([dict(self.__dict__)])


def agents_needed(calls: float, aht_seconds: float, *, interval_seconds: float = 3600.0,
                  service_level: float = 0.8, target_seconds: float = 20.0,
                  max_occupancy: float | None = None, shrinkage: float = 0.0,
                  max_agents: int = 100_000) -> StaffingResult:
    """Smallest number of agents meeting a service-level target, by Erlang C.

    Parameters
    ----------
    calls : float
        Calls offered in the interval.
    aht_seconds : float
        Average handle time (talk + hold + after-call work).
    interval_seconds : float, default 3600
        Length of the interval (an hour by default; 1800 for half-hours).
    service_level : float, default 0.8
        Target share answered within ``target_seconds`` (the "80" of 80/20).
    target_seconds : float, default 20
    max_occupancy : float, optional
        Also require ``traffic / agents ≤ max_occupancy``.
    shrinkage : float, default 0
        Share of paid time not available for calls (breaks, training, absence), in [0, 1).

    Returns
    -------
    StaffingResult

    Examples
    --------
    The Call Centre Helper example [CCH]_:

    >>> r = agents_needed(100, 180, interval_seconds=1800, service_level=0.8,
    ...                   target_seconds=20, max_occupancy=0.85, shrinkage=0.3)
    >>> r.agents, r.agents_scheduled, round(r.service_level, 4), round(r.occupancy, 4)
    (14, 20, 0.8884, 0.7143)
    """
    c = _check_positive("calls", calls, allow_zero=True)
    aht = _check_positive("aht_seconds", aht_seconds)
    interval = _check_positive("interval_seconds", interval_seconds)
    target = _check_positive("target_seconds", target_seconds, allow_zero=True)
    if not 0.0 < float(service_level) < 1.0:
        raise ValueError(f"service_level must be in (0, 1), got {service_level!r}")
    if max_occupancy is not None and not 0.0 < float(max_occupancy) <= 1.0:
        raise ValueError(f"max_occupancy must be in (0, 1], got {max_occupancy!r}")
    if not 0.0 <= float(shrinkage) < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage!r}")
    traffic = c * aht / interval
    if traffic == 0:
        return StaffingResult(c, aht, interval, 0.0, 0, 0, 1.0, 0.0, 0.0, 0.0)
    n = max(1, int(math.floor(traffic)) + 1)
    while True:
        sl = erlang_service_level(traffic, n, aht, target)
        occ = traffic / n
        if sl >= service_level and (max_occupancy is None or occ <= max_occupancy):
            break
        n += 1
        if n > max_agents:
            raise ValueError(f"more than max_agents={max_agents} agents would be needed")
    scheduled = int(math.ceil(n / (1.0 - float(shrinkage)) - 1e-9))
    return StaffingResult(
        calls=c, aht_seconds=aht, interval_seconds=interval, traffic=traffic, agents=n,
        agents_scheduled=scheduled, service_level=sl,
        probability_wait=erlang_c(traffic, n), asa_seconds=erlang_asa(traffic, n, aht),
        occupancy=occ)


def staffing_plan(volumes: Any, aht_seconds: Any, *, interval_seconds: float = 3600.0,
                  service_level: float = 0.8, target_seconds: float = 20.0,
                  max_occupancy: float | None = None, shrinkage: float = 0.0,
                  max_agents: int = 100_000) -> pd.DataFrame:
    """`agents_needed` for every interval of a volume forecast.

    Parameters
    ----------
    volumes : Series or array-like
        Calls per interval (e.g. per hour from `kpitools.kpis.volume.volume_by_weekday_hour`'s
        ``per_week``); a Series keeps its index.
    aht_seconds : float or array-like
        AHT, one for all intervals or one per interval.
    interval_seconds, service_level, target_seconds, max_occupancy, shrinkage, max_agents
        As in `agents_needed`.

    Returns
    -------
    DataFrame
        One row per interval with the fields of `StaffingResult`.

    Examples
    --------
    >>> plan = staffing_plan(pd.Series([100, 200], index=["09:00", "10:00"]), 180)
    >>> plan["agents"].tolist()
    [8, 14]
    """
    v = volumes if isinstance(volumes, pd.Series) else pd.Series(volumes)
    aht = np.broadcast_to(np.asarray(aht_seconds, dtype=float), (len(v),))
    rows = [agents_needed(float(c), float(h), interval_seconds=interval_seconds,
                          service_level=service_level, target_seconds=target_seconds,
                          max_occupancy=max_occupancy, shrinkage=shrinkage,
                          max_agents=max_agents).__dict__ for c, h in
            zip(v.to_numpy(dtype=float), aht, strict=True)]
    return pd.DataFrame(rows, index=v.index)
