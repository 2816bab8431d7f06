"""Operations proportions, backlog, utilisation, productivity: against plain pandas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import kpitools as kt
from kpitools.core.errors import DataValidationError
from kpitools.core.results import ESTIMATE_COLUMNS
from kpitools.kpis.common import compare_proportions
from kpitools.kpis.operations import summarize_proportions
from kpitools.kpis.volume import poisson_ci
from kpitools.stats.intervals import diff_proportions_ci, proportion_ci

DATA = Path(__file__).parents[1] / "data" / "incidents_extract.csv"


@pytest.fixture(scope="module")
def tickets():
    from kpitools.datasets import load_tickets
    return load_tickets()


@pytest.fixture(scope="module")
def calls():
    from kpitools.datasets import load_calls
    return load_calls()


def wilson_pct(k, n):
    low, high = proportion_ci(k, n)
    return 100 * low, 100 * high


@pytest.mark.parametrize("kpi,column", [("fcr", "first_contact_resolved"),
                                        ("escalation_rate", "escalated"),
                                        ("reopen_rate", "reopened")])
def test_flag_kpis_against_pandas(tickets, kpi, column):
    r = getattr(kt, kpi)(tickets)
    k, n = int(tickets[column].sum()), len(tickets)
    assert (r.estimate, r.n) == (pytest.approx(100 * k / n), n)
    assert (r.ci_low, r.ci_high) == pytest.approx(wilson_pct(k, n))


def test_fcr_contacts_definition_and_summarize_equals_core(tickets):
    r = kt.fcr(tickets, definition="contacts")
    assert r.details["successes"] == int((tickets.contacts == 1).sum())
    out = kt.summarize(tickets, kpi="fcr", by="team")
    assert list(out.columns) == ["team", *ESTIMATE_COLUMNS]
    assert sorted(out.team) == sorted(tickets.team.unique())  # the loop checks each
    for _, row in out.iterrows():
        single = kt.fcr(tickets[tickets.team == row.team])
        assert (row.estimate, row.ci_low, row.ci_high, row.n) == pytest.approx(
            (single.estimate, single.ci_low, single.ci_high, single.n))


def test_resolution_rate_as_of(tickets):
    as_of = pd.Timestamp("2026-06-30")
    r = kt.resolution_rate(tickets, as_of=as_of)
    created = tickets.created_at <= as_of
    resolved = created & (tickets.resolved_at <= as_of)
    assert (r.details["successes"], r.n) == (int(resolved.sum()), int(created.sum()))
    assert r.n_excluded == int((~created).sum())


def test_abandonment_answer_and_short_abandons(calls):
    abandoned = calls.answered_at.isna()
    r = kt.abandonment_rate(calls)
    assert r.estimate == pytest.approx(100 * abandoned.mean())
    short = abandoned & (calls.wait_seconds < 10)
    r10 = kt.abandonment_rate(calls, short_abandon_seconds=10)
    assert (r10.details["successes"], r10.n) == (int((abandoned & ~short).sum()),
                                                 int((~short).sum()))
    assert r10.n_excluded == int(short.sum())
    assert set(r10.excluded["reason"]) == {"short abandon (< 10 s), excluded by definition"}
    a10 = kt.answer_rate(calls, short_abandon_seconds=10)
    assert a10.estimate + r10.estimate == pytest.approx(100)


def test_service_level_denominators(calls):
    answered = calls.answered_at.notna()
    met = answered & (calls.wait_seconds <= 20)
    offered = kt.service_level(calls, threshold_seconds=20)
    assert (offered.details["successes"], offered.n) == (int(met.sum()), len(calls))
    ans = kt.service_level(calls, threshold_seconds=20, denominator="answered")
    assert ans.n == int(answered.sum())
    assert ans.estimate == pytest.approx(100 * met.sum() / answered.sum())


def brute_force_nia(df, days):
    ok = []
    end = df.created_at.max()
    for i, row in df.iterrows():
        others = df[(df.customer_id == row.customer_id) & (df.index != i)
                    & (df.created_at >= row.created_at)]
        # a later contact (ties: any other contact at the same instant counts as later
        # only if it comes after this row in the sort order used by the library)
        later = others[(others.created_at > row.created_at)
                       | ((others.created_at == row.created_at) & (others.index > i))]
        followed = ((later.created_at - row.created_at) <= pd.Timedelta(days=days)).any()
        if not followed and row.created_at + pd.Timedelta(days=days) > end:
            continue
        ok.append(not followed)
    return sum(ok), len(ok)


def test_nia_against_brute_force(tickets):
    sub = tickets.sort_values("created_at").head(400).reset_index(drop=True)
    sub = sub.assign(customer_id=sub.customer_id.str[:5])  # fewer customers → more repeats
    r = kt.nia(sub, days=14)
    assert (r.details["successes"], r.n) == brute_force_nia(sub, 14)


def test_compare_proportions_newcombe_and_test(tickets):
    out = kt.compare(tickets, kpi="escalation_rate", group="channel", baseline="chat")
    row = out[out.group_b == "email"].iloc[0]
    a, b = tickets[tickets.channel == "chat"], tickets[tickets.channel == "email"]
    ka, na, kb, nb = int(a.escalated.sum()), len(a), int(b.escalated.sum()), len(b)
    low, high = diff_proportions_ci(ka, na, kb, nb)  # baseline first: p_b − p_a
    assert (row.ci_low, row.ci_high) == pytest.approx((100 * low, 100 * high))
    table = np.array([[kb, nb - kb], [ka, na - ka]])
    chi2 = stats.chi2_contingency(table, correction=False)
    assert row.pvalue == pytest.approx(chi2.pvalue)
    assert row.p_adjust_method == "holm"


@st.composite
def successes_and_trials(draw):
    n = draw(st.integers(1, 50))
    return draw(st.integers(0, n)), n


@settings(max_examples=40, deadline=None)
@given(successes_and_trials(), successes_and_trials())
def test_swapping_groups_mirrors_the_difference(a, b):
    (ka, na), (kb, nb) = a, b
    c1 = compare_proportions(ka, na, kb, nb)
    c2 = compare_proportions(kb, nb, ka, na)
    assert c1.difference == pytest.approx(-c2.difference)
    assert (c1.ci_low, c1.ci_high) == pytest.approx((-c2.ci_high, -c2.ci_low))
    assert 0 <= c1.pvalue <= 1


def test_rows_shuffled_change_nothing(tickets):
    shuffled = tickets.sample(frac=1.0, random_state=3)
    a = summarize_proportions(tickets, ["channel"], "fcr")
    b = summarize_proportions(shuffled, ["channel"], "fcr")
    pd.testing.assert_frame_equal(a, b)


def brute_force_backlog(df, t):
    return int(((df.created_at <= t) & ~(df.resolved_at <= t)).sum())


def test_backlog_against_brute_force(tickets):
    points = pd.to_datetime(["2025-01-15 12:00", "2025-06-30 23:59", "2026-09-30 23:00"])
    out = kt.backlog(tickets, at=points)
    assert out["backlog"].tolist() == [brute_force_backlog(tickets, t) for t in points]
    by = kt.backlog(tickets, at=points[:1], by="team")
    assert by["backlog"].sum() == out["backlog"].iloc[0]
    daily = kt.backlog(tickets, freq="D")
    t = daily["at"].iloc[10]
    assert daily["backlog"].iloc[10] == brute_force_backlog(tickets, t)


def test_backlog_by_group_shares_one_time_range(tickets):
    # a team active only in the last tenth of the data and one only in the first: every
    # group gets the same time points as the whole desk, with 0 where nothing is open
    t = tickets.copy()
    t["team"] = t["team"].astype(object)
    t.loc[t["created_at"] > t["created_at"].quantile(0.9), "team"] = "Late"
    first = t["created_at"] < t["created_at"].quantile(0.05)
    t.loc[first, "team"] = "Early"
    t.loc[first, "resolved_at"] = t.loc[first, "created_at"] + pd.Timedelta("1h")
    whole = kt.backlog(t, freq="W")
    by = kt.backlog(t, freq="W", by="team")
    for team, part in by.groupby("team"):
        assert part["at"].tolist() == whole["at"].tolist(), team
        want = [int(((g.created_at <= at) & ~(g.resolved_at <= at)).sum())
                for g in [t[t["team"] == team]] for at in part["at"]]
        assert part["backlog"].tolist() == want, team
    late = by[by["team"] == "Late"]["backlog"]
    early = by[by["team"] == "Early"]["backlog"]
    assert late.iloc[0] == 0 and early.iloc[-1] == 0
    assert by.groupby("at")["backlog"].sum().tolist() == whole["backlog"].tolist()


def test_utilisation_and_productivity_against_pandas(calls, tickets):
    from kpitools.datasets import load_agent_availability
    avail = load_agent_availability()
    r = kt.agent_utilisation(calls, avail, n_resamples=999)
    handle = calls[["talk_seconds", "hold_seconds", "acw_seconds"]].fillna(0).sum(axis=1)
    work = (handle / 3600).groupby(calls.agent).sum()
    hours = avail.groupby("agent_id").available_hours.sum()
    hours = hours[hours.index.isin(work.index)]
    assert r.estimate == pytest.approx(100 * work.sum() / hours.sum())
    assert r.ci_low < r.estimate < r.ci_high and r.n == len(hours)
    p = kt.productivity(tickets, avail, period="2025Q3")
    sub = avail[avail.period == "2025Q3"]
    resolved = tickets.resolved_at.notna().groupby(tickets.agent).sum()
    h = sub.groupby("agent_id").available_hours.sum()
    h = h[h.index.isin(resolved.index)]
    k = int(resolved[h.index].sum())
    assert p.estimate == pytest.approx(k / h.sum())
    assert (p.ci_low, p.ci_high) == pytest.approx(poisson_ci(k, h.sum()))


def test_bad_input_for_calls_and_flags():
    calls = pd.DataFrame({"call_id": list("abcdefghijkl"),
                          "offered_at": pd.Timestamp("2026-07-01 10:00"),
                          "answered_at": [pd.Timestamp("2026-07-01 10:01")] * 11
                          + [pd.Timestamp("2026-07-01 09:59")],
                          "wait_seconds": [5] * 12})
    with pytest.raises(DataValidationError, match=r"column 'answered_at': 1 answered_at before "
                                                  r"offered_at \(negative wait\) \(row 11"):
        kt.abandonment_rate(calls)
    assert kt.abandonment_rate(calls, invalid="exclude").n == 11
    flags = pd.DataFrame({"escalated": ["yes", "no", "maybe"] + ["no"] * 9})
    with pytest.raises(DataValidationError, match=r"column 'escalated': 1 values are not yes/no "
                                                  r"flags .*row 2: 'maybe'"):
        kt.escalation_rate(flags)
    with pytest.raises(ValueError, match=r"denominator='handled' is not valid"):
        kt.service_level(calls, denominator="handled")


def test_real_incidents_fcr_proxy_against_pandas():
    raw = pd.read_csv(DATA)
    raw["fcr_proxy"] = (raw.reassignment_count == 0) & (raw.reopen_count == 0)
    r = kt.fcr(raw, columns={"first_contact_resolved": "fcr_proxy", "ticket_id": "number"})
    assert r.estimate == pytest.approx(100 * raw.fcr_proxy.mean())
    assert (r.ci_low, r.ci_high) == pytest.approx(wilson_pct(int(raw.fcr_proxy.sum()), len(raw)))
    rr = kt.resolution_rate(raw, columns={"ticket_id": "number", "created_at": "opened_at"})
    assert rr.estimate == pytest.approx(100 * raw.resolved_at.notna().mean())
    with pytest.warns(kt.SmallSampleWarning):
        sla = kt.summarize(raw, kpi="escalation_rate", value="made_sla", by="priority")
    plain = raw.groupby("priority").made_sla.mean() * 100
    assert np.allclose(sla.set_index("priority").estimate, plain.loc[sla.priority])


def test_idle_agents_are_counted_not_lost_in_utilisation_and_productivity():
    calls = pd.DataFrame({"agent": ["a1", "a2"], "talk_seconds": [3600.0, 3600.0],
                          "hold_seconds": [0.0, 0.0], "acw_seconds": [0.0, 0.0]})
    avail = pd.DataFrame({"agent_id": ["a1", "a2", "a3"], "period": ["2026Q3"] * 3,
                          "available_hours": [2.0, 2.0, 8.0]})
    scoped = kt.agent_utilisation(calls, avail, n_resamples=200)
    assert scoped.estimate == pytest.approx(100 * 2 / 4)  # a1 and a2 only
    assert scoped.details["agents_without_work"] == 1
    everyone = kt.agent_utilisation(calls, avail, agents=["a1", "a2", "a3"], n_resamples=200)
    assert everyone.estimate == pytest.approx(100 * 2 / 12)
    assert everyone.n == 3

    tickets = pd.DataFrame({"agent": ["a1", None, "a2"],
                            "resolved_at": ["2026-07-01 10:00", "2026-07-01 11:00",
                                            "2026-07-02 09:00"]})
    p = kt.productivity(tickets, avail)
    assert p.n == 2 and p.estimate == pytest.approx(2 / 4)
    assert p.n_excluded == 1
    assert p.excluded["reason"].tolist() == ["resolved ticket has no agent"]
    assert p.details["agents_without_work"] == 1
