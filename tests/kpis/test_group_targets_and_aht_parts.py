"""Issue 9: SLA thresholds that differ by group (P1 within 1 h, P2 within 4 h), from a
mapping or the [targets] table of a data folder; AHT from talk time alone, said so."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import kpitools as kt
from kpitools.core.errors import DataValidationError
from kpitools.kpis.durations import PartialHandleTimeWarning
from kpitools.kpis.targets import GroupTargets

pytestmark = pytest.mark.filterwarnings("ignore::kpitools.core.errors.SmallSampleWarning")

T0 = pd.Timestamp("2026-03-02 09:00")


def _tickets(seed: int = 11, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    hours = rng.exponential(3.0, size=n)
    return pd.DataFrame({
        "ticket_id": np.arange(n), "priority": rng.choice(["P1", "P2"], size=n),
        "team": rng.choice(["a", "b"], size=n), "created_at": T0,
        "resolved_at": T0 + pd.to_timedelta(hours, unit="h"),
    })


def _by_hand(t: pd.DataFrame) -> tuple[int, int]:
    hours = (t["resolved_at"] - t["created_at"]).dt.total_seconds() / 3600
    limit = t["priority"].map({"P1": 1.0, "P2": 4.0})
    return int((hours <= limit).sum()), len(t)


@pytest.mark.parametrize("target", [
    {"P1": "1h", "P2": "4h"},
    {"P1": 60, "P2": 240},
])
def test_per_priority_thresholds_equal_a_pandas_count_and_wilson(target):
    t = _tickets()
    r = kt.sla_attainment(t, "resolution_time", target=target, target_by="priority")
    k, n = _by_hand(t)
    low, high = proportion_confint(k, n, method="wilson")
    assert (r.n, r.details["within"], r.estimate) == (n, k, pytest.approx(100 * k / n))
    assert (r.ci_low, r.ci_high) == pytest.approx((100 * low, 100 * high))
    assert r.details["target_by"] == "priority"


def test_summarize_and_compare_use_each_rows_own_threshold():
    t = _tickets()
    out = kt.summarize(t, kpi="resolution_sla", by="team", target={"P1": "1h", "P2": "4h"},
                       target_by="priority")
    for _, row in out.iterrows():
        k, n = _by_hand(t[t["team"] == row["team"]])
        assert (row["n"], row["estimate"]) == (n, pytest.approx(100 * k / n))
    c = kt.compare(t, kpi="resolution_sla", group="team", target={"P1": "1h", "P2": "4h"},
                   target_by="priority").iloc[0]
    (ka, na), (kb, nb) = _by_hand(t[t.team == "a"]), _by_hand(t[t.team == "b"])
    assert c["difference"] == pytest.approx(100 * (kb / nb - ka / na))


def test_targets_table_of_the_data_folder():
    table = pd.DataFrame({"kpi": ["resolution_hours"] * 2, "table": "tickets",
                          "by": "priority", "group": ["P1", None], "target": [1.0, 4.0],
                          "unit": "hours"})  # P1 1 h; every other priority 4 h (default)
    t = _tickets()
    r = kt.sla_attainment(t, "resolution_time",
                          target=GroupTargets.from_table(table, "resolution_hours"))
    k, n = _by_hand(t)
    assert (r.details["within"], r.n) == (k, n)
    with pytest.raises(ValueError, match=r"no target named 'frt_hours' in the targets table; "
                                         r"names there: \['resolution_hours'\]"):
        GroupTargets.from_table(table, "frt_hours")


def test_groups_without_a_threshold_are_named_or_excluded():
    t = _tickets().head(6).assign(priority=["P1", "P2", "P3", "P1", None, "P3"])
    with pytest.raises(DataValidationError,
                       match=r"column 'priority': 2 priority values without an SLA target "
                             r"\(targets for 'P1', 'P2', no default\) \(rows 2, 5: 'P3', "
                             r"'P3'\)"):
        kt.sla_attainment(t, "resolution_time", target={"P1": "1h", "P2": "4h"},
                          target_by="priority")
    r = kt.sla_attainment(t, "resolution_time", target={"P1": "1h", "P2": "4h"},
                          target_by="priority", invalid="exclude")
    assert (r.n, r.n_excluded) == (3, 3)
    assert sorted(r.excluded["row"]) == [2, 4, 5]
    with pytest.raises(TypeError, match="per-group targets need target_by="):
        kt.sla_attainment(t, "resolution_time", target={"P1": "1h"})
    with pytest.raises(ValueError, match=r"'soon' is not a duration such as '1h'"):
        kt.sla_attainment(t, "resolution_time", target={"P1": "soon"}, target_by="priority")


def test_a_single_threshold_still_works_and_accepts_text():
    t = _tickets()
    a = kt.sla_attainment(t, "resolution_time", target=4, target_unit="hours")
    b = kt.sla_attainment(t, "resolution_time", target="4h")
    hours = (t["resolved_at"] - t["created_at"]).dt.total_seconds() / 3600
    assert a.details["within"] == b.details["within"] == int((hours <= 4).sum())


# ------------------------------------------------------------------------ AHT from parts

CALLS = pd.DataFrame({"call_id": range(12),
                      "talk_seconds": [120, 300, 240, 180, 600, 90, 150, 420, 360, 200, 330,
                                       270]})


def test_aht_from_talk_time_alone_says_so():
    with pytest.warns(PartialHandleTimeWarning, match=r"AHT from talk time alone "
                                                      r"\(talk_seconds\): the calls have no "
                                                      r"hold_seconds and acw_seconds column"):
        r = kt.aht(CALLS, statistic="mean", method="t", unit="seconds")
    assert r.estimate == pytest.approx(CALLS["talk_seconds"].mean())
    assert r.details["parts"] == ("talk_seconds",)
    out = kt.summarize(CALLS, kpi="aht", unit="seconds")  # no warning: a note in attrs
    assert out.loc[0, "estimate"] == pytest.approx(CALLS["talk_seconds"].median())
    assert out.attrs["notes"][0].startswith("AHT from talk time alone")
    both = CALLS.assign(half=np.arange(12) % 2)
    c = kt.compare(both, kpi="aht", group="half")
    assert c.attrs["notes"][0].startswith("AHT from talk time alone")


def test_aht_sums_the_parts_there_are():
    calls = CALLS.assign(acw_seconds=30)
    with pytest.warns(PartialHandleTimeWarning, match=r"AHT from talk_seconds \+ acw_seconds "
                                                      r"\(talk_seconds \+ acw_seconds\): the "
                                                      r"calls have no hold_seconds column, so "
                                                      r"it is not included"):
        r = kt.aht(calls, statistic="mean", method="t", unit="seconds")
    assert r.estimate == pytest.approx((CALLS["talk_seconds"] + 30).mean())
    full = calls.assign(hold_seconds=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = kt.aht(full, statistic="mean", method="t", unit="seconds")
    assert r.details["parts"] == ("talk_seconds", "hold_seconds", "acw_seconds")
    assert "note" not in r.details
    assert r.estimate == pytest.approx((CALLS["talk_seconds"] + 40).mean())


def test_a_part_present_but_empty_in_some_rows_excludes_those_rows_as_before():
    calls = CALLS.assign(hold_seconds=[10.0] * 10 + [np.nan] * 2, acw_seconds=5)
    r = kt.aht(calls, statistic="mean", method="t", unit="seconds")
    assert (r.n, r.n_excluded) == (10, 2)
    assert r.estimate == pytest.approx((CALLS["talk_seconds"][:10] + 15).mean())
    with pytest.raises(DataValidationError, match="column not found"):
        kt.aht(CALLS.drop(columns="talk_seconds").assign(hold_seconds=1))
