"""Issue 8, "no wrong number in silence": statistics that used to return a wrong number.

Each test failed on the code before the fix: speed of answer averaged abandoned calls,
service level read 0 % without wait times, fractional counts were truncated, infinite
durations were accepted, the one-sided utilisation comparison returned a two-sided interval,
and Holm's family was implicit.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import kpitools as kt
from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.kpis.catalogue import get_kpi
from kpitools.stats.intervals import (
    diff_proportions_ci,
    nps_ci,
    nps_diff_ci,
    proportion_ci,
)
from kpitools.stats.quantiles import hodges_lehmann, median_ci
from kpitools.stats.significance import mean_ci, two_proportion_test, welch_test

PWC = Path(__file__).parents[1] / "data" / "pwc_calls_extract.csv"  # see its SOURCE.md


def toy_calls() -> pd.DataFrame:
    """Ten answered calls waiting 20 s, two abandoned after 1,000 s (wait = time to hang up)."""
    answered = [pd.Timestamp("2026-07-01 10:00:20")] * 10 + [pd.NaT] * 2
    return pd.DataFrame({"call_id": [f"K{i}" for i in range(12)],
                         "answered_at": answered,
                         "wait_seconds": [20.0] * 10 + [1000.0] * 2})


# ---------------------------------------------------------------------- 1. asa, service level


def test_asa_excludes_abandoned_calls():
    r = kt.asa(toy_calls(), statistic="mean")
    # the mean over answered calls only, from the data itself: 20 s, never (10·20 + 2·1000)/12
    assert r.estimate == pytest.approx(toy_calls().wait_seconds[:10].mean())
    assert r.n == 10 and r.n_excluded == 2


def test_asa_refuses_a_table_without_answered_at():
    calls = toy_calls().drop(columns="answered_at")
    with pytest.raises(DataValidationError, match=r"column 'answered_at': column not found"):
        kt.asa(calls, statistic="mean")


def test_asa_refuses_answered_as_yes_no_text():
    calls = toy_calls()
    calls["answered_at"] = np.where(calls["answered_at"].isna(), "N", "Y")
    with pytest.raises(DataValidationError,
                       match=r"column 'answered_at': 12 timestamps that cannot be parsed"):
        kt.asa(calls, statistic="mean")


def test_asa_with_value_column_still_leaves_abandoned_calls_out():
    calls = toy_calls().rename(columns={"wait_seconds": "wait"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        out = kt.summarize(calls, kpi="asa", value="wait", statistic="mean")
    assert out["estimate"].iloc[0] == pytest.approx(20.0) and out["n_excluded"].iloc[0] == 2
    with pytest.raises(DataValidationError, match=r"column 'answered_at'"):
        kt.summarize(calls.drop(columns="answered_at"), kpi="asa", value="wait")


def test_aht_refuses_yes_no_text_in_answered_at():
    calls = toy_calls().assign(talk_seconds=60, hold_seconds=0, acw_seconds=10)
    calls["answered_at"] = np.where(calls["answered_at"].isna(), "N", "Y")
    with pytest.raises(DataValidationError, match=r"column 'answered_at'"):
        kt.aht(calls)


def test_asa_on_the_pwc_call_centre_data_refuses_the_yes_no_column():
    raw = pd.read_csv(PWC)
    columns = {"wait_seconds": "Speed of answer in seconds", "call_id": "Call Id",
               "answered_at": "Answered (Y/N)"}
    with pytest.raises(DataValidationError, match=r"column 'Answered \(Y/N\)'"):
        kt.asa(raw, columns=columns, statistic="mean")
    with pytest.raises(DataValidationError, match=r"column 'answered_at': column not found"):
        kt.asa(raw, columns={"wait_seconds": "Speed of answer in seconds"})


def test_service_level_refuses_when_no_answered_call_has_a_wait_time():
    calls = toy_calls()
    calls["wait_seconds"] = np.nan
    with pytest.raises(DataValidationError,
                       match=r"column 'wait_seconds': no waiting time for any of the 10 "
                             r"answered calls"):
        kt.service_level(calls)
    with pytest.raises(DataValidationError, match=r"column 'wait_seconds': no waiting time"):
        kt.summarize(calls, kpi="service_level")


def test_service_level_still_excludes_a_few_missing_waits():
    calls = toy_calls()
    calls.loc[3, "wait_seconds"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        r = kt.service_level(calls, threshold_seconds=20)
    assert (r.n, r.n_excluded, r.details["successes"]) == (11, 1, 9)


# ---------------------------------------------------------------------- 2. counts


@pytest.mark.parametrize("counts", [(2.7, 3.9, 1.2), (3, 4.5, 1), (np.inf, 1, 1),
                                    (3, 4, -1), (True, 2, 2)])
def test_nps_counts_for_compare_nps_refuse_counts_that_are_not_whole(counts):
    # compare_nps takes counts as an nps_from_counts result (a tuple is scores, as in nps)
    with pytest.raises(DataValidationError, match=r"must be a .*whole number"):
        kt.nps_from_counts(*counts)


def test_compare_nps_accepts_integral_float_counts():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        base = kt.nps_from_counts(3, 3, 3)
        as_float = kt.compare_nps(kt.nps_from_counts(3.0, 4.0, 1.0), base, method="wald")
        as_int = kt.compare_nps(kt.nps_from_counts(3, 4, 1), base, method="wald")
    assert as_float.difference == as_int.difference and as_float.details["counts_a"] == (3, 4, 1)


def test_nps_from_counts_refuses_infinite_counts_in_one_line():
    with pytest.raises(DataValidationError, match=r"promoters must be a non-negative whole"):
        kt.nps_from_counts(np.inf, 1, 1)


def test_crr_from_counts_refuses_infinite_counts():
    with pytest.raises(ValueError, match=r"start must be a whole number, got inf"):
        kt.crr_from_counts(np.inf, 10, 1)


@pytest.mark.parametrize("call", [
    lambda: nps_ci(2.7, 3.9, 1.2),
    lambda: nps_diff_ci((40, 30.5, 30), (50, 30, 20)),
])
def test_count_level_nps_intervals_refuse_fractions(call):
    with pytest.raises(ValueError, match=r"must be whole numbers"):
        call()


@pytest.mark.parametrize("call", [
    lambda: proportion_ci(3, np.inf),
    lambda: diff_proportions_ci(3, 10, 4, np.inf),
    lambda: two_proportion_test(3, np.inf, 4, 10),
])
def test_proportion_functions_refuse_infinite_counts(call):
    with pytest.raises(ValueError, match=r"counts must be finite"):
        call()


def test_poisson_functions_refuse_infinite_counts_and_exposure():
    from kpitools.kpis.volume import poisson_ci

    with pytest.raises(ValueError, match=r"count must be a non-negative whole number"):
        poisson_ci(np.inf)
    with pytest.raises(ValueError, match=r"exposure must be positive and finite"):
        poisson_ci(3, np.inf)


# ---------------------------------------------------------------------- 3. infinite durations


def test_infinite_durations_are_invalid_like_negative_ones():
    calls = toy_calls()
    calls.loc[4, "wait_seconds"] = np.inf
    with pytest.raises(DataValidationError,
                       match=r"column 'wait_seconds': 1 infinite durations \(row 4: inf\)"):
        kt.asa(calls)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        r = kt.asa(calls, invalid="exclude", statistic="mean")
    assert r.n == 9 and r.n_excluded == 3
    assert "infinite durations" in set(r.excluded["reason"])


def test_infinite_text_durations_and_handle_times_are_invalid():
    tickets = pd.DataFrame({"minutes": ["5", "7", "inf", "Infinity"] + ["6"] * 10})
    with pytest.raises(DataValidationError, match=r"column 'minutes': 2 infinite durations"):
        kt.frt(tickets, value="minutes", value_unit="minutes")
    calls = toy_calls().assign(talk_seconds=[60.0] * 11 + [np.inf], hold_seconds=0,
                               acw_seconds=0)
    calls["answered_at"] = pd.Timestamp("2026-07-01 10:01")
    with pytest.raises(DataValidationError, match=r"column 'talk_seconds': 1 infinite durat"):
        kt.aht(calls)


def test_infinite_waits_are_invalid_for_service_level():
    calls = toy_calls()
    calls.loc[0, "wait_seconds"] = np.inf
    with pytest.raises(DataValidationError,
                       match=r"column 'wait_seconds': 1 infinite waiting times"):
        kt.service_level(calls)


@pytest.mark.parametrize("call", [
    lambda x: mean_ci(x),
    lambda x: welch_test(x, [1.0, 2.0, 3.0]),
    lambda x: median_ci(x),
    lambda x: hodges_lehmann(x, [1.0, 2.0, 3.0]),
])
def test_array_functions_refuse_infinite_values(call):
    with pytest.raises(ValueError, match=r"±inf"):
        call([1.0, 2.0, np.inf, 4.0])


# ---------------------------------------------------------------------- 4. one-sided utilisation


@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_one_sided_utilisation_comparison_has_a_one_sided_interval(alternative):
    calls = kt.datasets.load_calls()
    availability = kt.datasets.load_agent_availability()
    a, b = calls[calls.team == "Billing"], calls[calls.team == "Returns"]
    definition = get_kpi("utilisation")
    two = definition.compare(a, b, None, confidence_level=0.95, availability=availability)
    one = definition.compare(a, b, None, confidence_level=0.95, alternative=alternative,
                             availability=availability)
    # the two-sided interval is difference ± z·se (z = 1.96): recover se from it, then the
    # one-sided bound must use the one-sided critical value z₁ = Φ⁻¹(0.95) = 1.645
    se = (two.ci_high - two.ci_low) / (2 * stats.norm.ppf(0.975))
    z_one = stats.norm.ppf(0.95)
    if alternative == "greater":
        assert one.ci_high == np.inf
        assert one.ci_low == pytest.approx(one.difference - z_one * se)
        assert (one.ci_low > 0) == (one.pvalue < 0.05)
    else:
        assert one.ci_low == -np.inf
        assert one.ci_high == pytest.approx(one.difference + z_one * se)
        assert (one.ci_high < 0) == (one.pvalue < 0.05)


# ---------------------------------------------------------------------- 6. Holm's family


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm (1979) step-down adjustment, written out independently of kpitools."""
    m = len(p)
    order = np.argsort(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted


def _by_team_comparisons(**kwargs):
    surveys = kt.datasets.load_surveys()
    quarters = ["2026Q1", "2026Q2", "2026Q3"]
    return kt.compare(surveys, kpi="nps", value="nps", group="quarter", by="team",
                      levels=quarters, **kwargs)


def test_holm_family_is_each_by_group_by_default_and_says_so():
    out = _by_team_comparisons()
    assert (out["p_adjust_scope"] == "by").all()
    assert out.attrs["adjustment_family"] == "holm within each team group (6 families, " \
                                             "18 comparisons)"
    for _, part in out.groupby("team"):
        assert part["pvalue_adjusted"].to_numpy() == pytest.approx(
            _holm(part["pvalue"].to_numpy()))


def test_holm_over_the_whole_table_on_request():
    out = _by_team_comparisons(adjust_scope="table")
    assert (out["p_adjust_scope"] == "table").all()
    assert out.attrs["adjustment_family"] == ("holm over all 18 comparisons of the table "
                                              "(one family)")
    assert out["pvalue_adjusted"].to_numpy() == pytest.approx(_holm(out["pvalue"].to_numpy()))
    by = _by_team_comparisons()
    assert (out["pvalue_adjusted"] >= by["pvalue_adjusted"] - 1e-12).all()
    assert (out["pvalue"] == by["pvalue"]).all()


def test_without_by_the_family_is_the_table():
    surveys = kt.datasets.load_surveys()
    out = kt.compare(surveys, kpi="nps", value="nps", group="team")
    assert (out["p_adjust_scope"] == "table").all()
    assert out["pvalue_adjusted"].to_numpy() == pytest.approx(_holm(out["pvalue"].to_numpy()))


def test_unknown_adjust_scope_raises():
    with pytest.raises(ValueError, match=r"adjust_scope='rows' is not valid.*'by', 'table'"):
        _by_team_comparisons(adjust_scope="rows")


def test_report_tables_with_holm_name_the_family():
    from kpitools.reports import sections as reporting

    s = kt.datasets.load_sample_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        tables = [
            reporting.team_league_table(s.surveys, period="2026Q3"),
            reporting.competitor_table(s.surveys, s.competitor_surveys,
                                       s.competitor_published, period="2026Q3"),
            reporting.competitor_trend_table(s.surveys, s.competitor_surveys,
                                             s.competitor_published, period="2026Q3"),
        ]
    for table in tables:  # each table names its family of tests and the Holm correction
        notes = " ".join(table.notes).lower()
        assert "family" in notes and "holm" in notes, table.notes


@pytest.mark.parametrize("bad", ["n/a", np.inf])
def test_utilisation_refuses_handle_times_that_are_not_finite_numbers(bad):
    calls = kt.datasets.load_calls().head(50).copy()
    calls["talk_seconds"] = calls["talk_seconds"].astype(object)
    calls.loc[calls.index[7], "talk_seconds"] = bad
    with pytest.raises(DataValidationError,
                       match=r"column 'talk_seconds': 1 handle times that are not finite "
                             r"numbers \(row 7: "):
        kt.agent_utilisation(calls, kt.datasets.load_agent_availability())


def test_grouped_service_level_refuses_a_group_whose_answered_calls_all_lack_waits():
    # one team's export has no waiting times: its service level would count only abandoned
    # calls (0 % in silence) while the other teams are fine
    calls = kt.datasets.load_calls()
    calls = calls[calls["team"].isin(["Billing", "Returns"])].copy()
    calls.loc[calls["team"] == "Returns", "wait_seconds"] = np.nan
    with pytest.raises(DataValidationError,
                       match=r"column 'wait_seconds'.*1 group\(s\) \(team='Returns'\)"):
        kt.summarize(calls, kpi="service_level", by="team")
    # a few missing waits in a group are still excluded and counted, not refused
    calls = kt.datasets.load_calls()
    calls = calls[calls["team"].isin(["Billing", "Returns"])].copy()
    answered = calls.index[calls["answered_at"].notna() & (calls["team"] == "Returns")]
    calls.loc[answered[:5], "wait_seconds"] = np.nan
    table = kt.summarize(calls, kpi="service_level", by="team").set_index("team")
    assert table.loc["Returns", "n_excluded"] == 5
    assert table.loc["Billing", "n_excluded"] == 0


def test_utilisation_lists_answered_calls_without_talk_time():
    # a missing talk time of an answered call used to count as 0 s with nothing excluded
    calls = kt.datasets.load_calls()
    availability = kt.datasets.load_agent_availability()
    full = kt.agent_utilisation(calls, availability)
    answered = calls.index[calls["answered_at"].notna()]
    gappy = calls.copy()
    gappy.loc[answered[:7], "talk_seconds"] = np.nan
    r = kt.agent_utilisation(gappy, availability)
    assert r.n_excluded == full.n_excluded + 7
    listed = r.excluded[r.excluded["column"] == "talk_seconds"]
    assert sorted(listed["row"]) == sorted(answered[:7])
    assert listed["reason"].str.contains("missing talk time").all()
    # an abandoned call has no talk time: nothing to list
    abandoned = calls.index[calls["answered_at"].isna()]
    quiet = calls.copy()
    quiet.loc[abandoned, "talk_seconds"] = np.nan
    assert kt.agent_utilisation(quiet, availability).n_excluded == full.n_excluded


def test_calls_with_a_yes_no_answered_flag_instead_of_the_answer_time():
    # the PwC export has "Answered (Y/N)" and no answer timestamp: mapped as the
    # 'answered' flag, ASA and the answer rate use it (asa still refuses Y/N as answered_at)
    raw = pd.read_csv(PWC)
    columns = {"answered": "Answered (Y/N)", "wait_seconds": "Speed of answer in seconds",
               "call_id": "Call Id"}
    answered = raw["Answered (Y/N)"] == "Y"
    asa = kt.asa(raw, columns=columns, statistic="mean")
    assert asa.estimate == pytest.approx(raw.loc[answered, "Speed of answer in seconds"].mean())
    assert asa.n == int(answered.sum())
    rate = kt.answer_rate(raw, columns=columns)
    assert rate.estimate == pytest.approx(100 * answered.mean())
    assert rate.n == len(raw)
    bad = raw.copy()
    bad.loc[3, "Answered (Y/N)"] = "maybe"
    with pytest.raises(DataValidationError, match=r"column 'Answered \(Y/N\)'.*'maybe'"):
        kt.answer_rate(bad, columns=columns)
