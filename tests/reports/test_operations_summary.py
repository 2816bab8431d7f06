"""Operations KPIs from monthly call totals (``calls_summary``): a quarter is the sum of its
months; rates with Wilson CIs, changes with Newcombe intervals (checked with statsmodels)."""

import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from kpitools.reports.sections import ReportNote, operations_table

NONE = pd.DataFrame()


def _totals() -> pd.DataFrame:
    months = pd.date_range("2025-10-01", "2026-03-01", freq="MS")
    return pd.DataFrame({
        "period_start": months,
        "offered": [1000, 900, 800, 1200, 1100, 1000],
        "answered": [900, 850, 700, 1000, 1000, 950],
        "abandoned": [100, 50, 100, 200, 100, 50],
        "answered_within_threshold": [600, 600, 500, 700, 800, 760],
        "threshold_seconds": [20.0] * 6,
    })


def test_a_quarter_is_the_sum_of_its_months():
    table = operations_table(NONE, NONE, period="2026Q1", calls_summary=_totals(),
                             alpha=0.05)
    rows = table.data.set_index("kpi")
    assert list(rows.index) == ["answer_rate", "abandonment_rate", "service_level"]
    assert rows.loc["service_level", "label"] == "Service level (answered within 20 s)"
    for kpi, k, n, k0, n0 in (("answer_rate", 2950, 3300, 2450, 2700),
                              ("abandonment_rate", 350, 3300, 250, 2700),
                              ("service_level", 2260, 2950, 1700, 2450)):
        row = rows.loc[kpi]
        assert row["n"] == n and row["estimate"] == pytest.approx(100 * k / n)
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((100 * lo, 100 * hi))
        assert row["estimate_base"] == pytest.approx(100 * k0 / n0)
        assert row["difference"] == pytest.approx(100 * (k / n - k0 / n0))
        # the Holm step's level (6 tests, none previous-year): the interval at that level
        level = row["ci_level"]
        lo, hi = confint_proportions_2indep(k, n, k0, n0, method="newcomb",
                                            alpha=1 - level)
        assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx(
            (100 * lo, 100 * hi), rel=1e-6)
    assert any("from monthly totals (3 months in 2026Q1)" in note for note in table.notes)
    assert "No monthly call totals in 2025Q4 to compare with." not in table.absent
    assert "No call data in this folder." not in table.absent


def test_no_threshold_no_service_level_and_no_previous_period():
    totals = _totals().drop(columns="threshold_seconds")
    totals = totals[totals["period_start"] >= "2026-01-01"]
    table = operations_table(NONE, NONE, period="2026-02", calls_summary=totals)
    assert table.data["kpi"].tolist() == ["answer_rate", "abandonment_rate"]
    assert "No monthly call totals in 2026-01 to compare with." not in table.absent
    assert table.data["estimate_base"].notna().all()
    first = operations_table(NONE, NONE, period="2026-01", calls_summary=totals)
    assert "No monthly call totals in 2025-12 to compare with." in first.absent
    assert first.data["difference"].isna().all()


def test_weeks_and_absent_periods_say_so():
    week = operations_table(NONE, NONE, period="2026-W05", calls_summary=_totals())
    assert isinstance(week, ReportNote)
    assert "Monthly call totals cannot be split into ISO weeks" in week.text
    later = operations_table(NONE, NONE, period="2027Q1", calls_summary=_totals())
    assert isinstance(later, ReportNote)
    assert "No monthly call totals in 2027Q1." in later.text


def _sample_operations(tickets: pd.DataFrame, calls: pd.DataFrame, period: str):
    from kpitools.reports.sections import channel_operations_table

    ops = operations_table(tickets, calls, period=period)
    channels = channel_operations_table(tickets, period=period)
    return ops.data, ops.display, ops.notes, channels.data, channels.display, channels.notes


@pytest.mark.parametrize("ids", ["unique", "repeated and missing"])
def test_ids_read_as_positions_give_the_same_tables(ids, monkeypatch):
    """The operations tables replace unique ticket and call ids by the rows' positions
    (each KPI's check for repeats then compares neighbours): the same tables as with the
    ids themselves; repeated or missing ids are kept, and the KPIs still leave the repeats
    out and say so."""
    from kpitools.datasets import load_calls, load_tickets
    from kpitools.reports.sections import operations

    tickets, calls = load_tickets(), load_calls()
    if ids != "unique":  # in the quarter read: 10 repeats, 5 missing; 10 repeated calls
        tickets = tickets.astype({"ticket_id": object})
        now = tickets.index[tickets["created_at"].between("2026-01-01", "2026-03-31")]
        tickets.loc[now[20:30], "ticket_id"] = tickets.loc[now[:10], "ticket_id"].to_numpy()
        tickets.loc[now[40:45], "ticket_id"] = None
        calls = calls.astype({"call_id": object})
        now = calls.index[calls["offered_at"].between("2026-01-01", "2026-03-31")]
        calls.loc[now[20:30], "call_id"] = calls.loc[now[:10], "call_id"].to_numpy()
    seen = []
    original = operations._ids_as_positions
    monkeypatch.setattr(operations, "_ids_as_positions",
                        lambda frame, table: seen.append(original(frame, table)) or seen[-1])
    period = "2026Q1"
    got = _sample_operations(tickets, calls, period)
    replaced = [f for f in seen if "ticket_id" in f and f["ticket_id"].dtype == "int64"]
    assert bool(replaced) == (ids == "unique")
    monkeypatch.setattr(operations, "_ids_as_positions", lambda frame, table: frame)
    want = _sample_operations(tickets, calls, period)
    for a, b in zip(got, want, strict=True):
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)
        else:
            assert a == b
    if ids != "unique":
        assert any("duplicate ids" in note for note in got[2]), got[2]
