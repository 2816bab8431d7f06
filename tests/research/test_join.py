"""Tests of kpitools.research.join: the time-ordered join catches look-ahead, counts the
unmatched, and matches an independent pandas computation on the sample data."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpitools.core.errors import DataValidationError
from kpitools.datasets import load_customers, load_surveys
from kpitools.research.join import (
    SAMPLE_WINDOW,
    join_satisfaction,
    load_retention_data,
    research_provenance,
    satisfaction_group,
)

TELCO = Path(__file__).parents[1] / "data" / "telco_extract.csv"
START, END = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-07-01")


@pytest.fixture()
def toy():
    customers = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d", "e"],
        "segment": ["SMB", "SMB", "Ent", "Ent", "SMB"],
        "start_date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01", "2026-02-01",
                                      "2024-01-01"]),
        "end_date": pd.to_datetime(["2026-03-01", None, None, None, "2025-11-01"]),
    })
    surveys = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "c", "c", "d", "zz"],
        "date": pd.to_datetime(["2025-05-01", "2025-10-01", "2026-02-15", "2026-01-01",
                                "2025-06-01", "2025-12-31", "2026-03-01", "2025-05-01"]),
        "nps": [2, 4, 10, 9, 8, 6, 10, 5],
    })
    return customers, surveys


def test_look_ahead_surveys_are_excluded_and_counted(toy):
    customers, surveys = toy
    j = join_satisfaction(customers, surveys, window_start=START, window_end=END)
    data = j.data.set_index("customer_id")
    # a: the 10 given on 2026-02-15 (after the window start, just before churning) is NOT used
    assert data.loc["a", "nps"] == 4
    assert data.loc["a", "last_survey_date"] == pd.Timestamp("2025-10-01")
    # b: its only survey is dated on the window start itself -> look-ahead -> unmatched
    assert "b" not in data.index
    assert j.unmatched["customer_id"].tolist() == ["b"]
    assert j.n_lookahead == 2
    look = j.excluded[j.excluded["reason"].str.startswith("look-ahead")]
    assert sorted(look["row"]) == [2, 3]
    assert (surveys.loc[look["row"], "date"] >= START).all()
    # d joined after the start, e left before it: not in the cohort
    assert (j.n_customers, j.n_matched, j.n_unmatched, j.n_not_in_cohort) == (3, 2, 1, 2)
    assert j.n_orphan_surveys == 1  # 'zz'
    assert (data["last_survey_date"] < START).all()


def test_outcome_and_durations(toy):
    customers, surveys = toy
    data = join_satisfaction(customers, surveys, window_start=START,
                             window_end=END).data.set_index("customer_id")
    assert data.loc["a", "churned"] == 1
    assert data.loc["a", "duration_days"] == (pd.Timestamp("2026-03-01") - START).days
    assert data.loc["c", "churned"] == 0
    assert data.loc["c", "duration_days"] == (END - START).days
    assert data.loc["c", "tenure_months"] == pytest.approx(
        (START - pd.Timestamp("2025-03-01")).days / (365.25 / 12))
    assert data.loc["c", "segment"] == "Ent"


def test_mean_and_max_age(toy):
    customers, surveys = toy
    mean = join_satisfaction(customers, surveys, window_start=START, window_end=END,
                             how="mean").data.set_index("customer_id")
    assert mean.loc["a", "nps"] == pytest.approx(3.0)
    assert mean.loc["c", "nps"] == pytest.approx(7.0)
    young = join_satisfaction(customers, surveys, window_start=START, window_end=END,
                              max_age_days=120)
    assert young.data.set_index("customer_id").loc["a", "nps"] == 4
    assert young.data.set_index("customer_id").loc["a", "n_surveys"] == 1


def test_sample_data_join_equals_independent_pandas():
    customers, surveys = load_customers(), load_surveys()
    t0, t1 = (pd.Timestamp(s) for s in SAMPLE_WINDOW)
    j = join_satisfaction(customers, surveys, window_start=t0, window_end=t1)
    cohort = customers[(customers["start_date"] < t0)
                       & (customers["end_date"].isna() | (customers["end_date"] >= t0))]
    before = surveys[(surveys["date"] < t0) & surveys["customer_id"].isin(cohort["customer_id"])]
    latest = (before.sort_values(["customer_id", "date"]).groupby("customer_id")
              .agg(nps=("nps", "last"), n=("nps", "size"), last=("date", "max")))
    assert j.n_customers == len(cohort)
    assert j.n_matched == len(latest)
    assert j.n_unmatched == len(cohort) - len(latest)
    ours = j.data.set_index("customer_id")
    assert ours.index.tolist() == sorted(latest.index)
    assert (ours["nps"] == latest["nps"]).all()
    assert (ours["n_surveys"] == latest["n"]).all()
    assert (ours["last_survey_date"] < t0).all()
    expected_lookahead = ((surveys["date"] >= t0)
                          & surveys["customer_id"].isin(cohort["customer_id"])).sum()
    assert j.n_lookahead == expected_lookahead
    churned = ours["end_date"].between(t0, t1, inclusive="left").astype(int)
    assert (ours["churned"] == churned).all()


def test_join_validation(toy):
    customers, surveys = toy
    with pytest.raises(ValueError, match=r"window_end \(2026-01-01\) must be after"):
        join_satisfaction(customers, surveys, window_start=START, window_end=START)
    dup = pd.concat([customers, customers.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataValidationError, match=r"column 'customer_id': customer ids must be "
                                                  r"unique .*rows 0, 5: 'a', 'a'"):
        join_satisfaction(dup, surveys, window_start=START, window_end=END)
    bad = surveys.astype({"date": object})
    bad.loc[1, "date"] = "last tuesday"
    with pytest.raises(DataValidationError, match=r"column 'date': 1 value\(s\) not a date "
                                                  r"\(row 1: 'last tuesday'\)"):
        join_satisfaction(customers, bad, window_start=START, window_end=END)
    with pytest.raises(DataValidationError, match=r"column 'score': no such column"):
        join_satisfaction(customers, surveys, window_start=START, window_end=END,
                          scores="score")
    with pytest.raises(ValueError, match=r"how='median' is not valid"):
        join_satisfaction(customers, surveys, window_start=START, window_end=END,
                          how="median")  # type: ignore[arg-type]


def test_satisfaction_groups():
    assert satisfaction_group([6, 7, 8, 9]).tolist() == [
        "detractor (0–6)", "passive (7–8)", "passive (7–8)", "promoter (9–10)"]
    assert satisfaction_group([1, 2, 3, 4, 5]).cat.categories.tolist() == [
        "low (1–2)", "neutral (3)", "high (4–5)"]
    assert satisfaction_group([1, 4, 7]).tolist() == ["low (1–3)", "neutral (4)", "high (5–7)"]
    assert satisfaction_group([3, 4], scale="0-10").tolist() == ["detractor (0–6)"] * 2
    with pytest.raises(DataValidationError, match=r"column 'q': 1 value\(s\) outside 1–5 "
                                                  r"\(row 1: 6\)"):
        satisfaction_group(pd.Series([1, 6], name="q"), scale="1-5")


def test_load_csv_keeps_text_none_and_groups():
    study = load_retention_data(TELCO, satisfaction="Satisfaction Score")
    assert study.source == "table" and study.n_matched == 600
    assert (study.data["Internet Type"] == "None").any()
    assert study.data["satisfaction_group"].cat.categories.tolist()[0] == "low (1–2)"


def test_window_and_summary_do_not_apply_to_a_per_customer_csv():
    for given in ({"window_start": "2026-01-01"}, {"window_end": "2026-10-01"},
                  {"how": "mean"}):
        name = next(iter(given))
        with pytest.raises(TypeError, match=rf"{name} apply to a folder"):
            load_retention_data(TELCO, satisfaction="Satisfaction Score", **given)


def test_folder_window_defaults_to_the_sample_window_and_latest():
    default = load_retention_data("", satisfaction="nps")
    explicit = load_retention_data("", satisfaction="nps", window_start=SAMPLE_WINDOW[0],
                                   window_end=SAMPLE_WINDOW[1], how="latest")
    pd.testing.assert_frame_equal(default.data, explicit.data)
    later = load_retention_data("", satisfaction="nps", window_start="2026-04-01")
    assert later.window_start != default.window_start
    mean = load_retention_data("", satisfaction="nps", how="mean")
    assert mean.how == "mean" and default.how == "latest"


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="neither a CSV file nor a folder"):
        load_retention_data(tmp_path / "nope.csv")
    with pytest.raises(DataValidationError, match=r"column 'csat_score': no such column"):
        load_retention_data(TELCO, satisfaction="csat_score")


def test_provenance_hashes_the_file():
    table = research_provenance(str(TELCO), {"satisfaction": "Satisfaction Score"})
    values = dict(zip(table["item"], table["value"], strict=True))
    assert values["data SHA-256"] == hashlib.sha256(TELCO.read_bytes()).hexdigest()
    assert values["parameter satisfaction"] == "'Satisfaction Score'"
    assert np.all(table.columns == ["item", "value"])
