"""The fast paths of the report sections equal the code they replaced, on random inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.reports.sections.common import (
    in_periods,
    section_frame,
    split_by,
    with_periods,
)


def _former_with_periods(frame: pd.DataFrame, period: str,
                         column: str | None = None) -> pd.DataFrame:
    """`with_periods` as it was before labelling each distinct value once."""
    from kpitools.reports.sections.common import period_kind
    from kpitools.tables.periods import period_labels

    kind = period_kind(period)
    if column is None:
        if kind == "quarter" and "quarter" in frame.columns:
            labels = frame["quarter"].astype(object)
            return frame.assign(period=labels.where(labels.isna(), labels.astype(str)))
        column = "date"
    if column not in frame.columns:
        return frame.assign(period=pd.Series(None, index=frame.index, dtype=object))
    when = pd.to_datetime(frame[column], errors="coerce")
    return frame.assign(period=period_labels(when, kind))


def _random_frame(rng: np.random.Generator, n: int, categorical: bool,
                  tz: str | None) -> pd.DataFrame:
    quarters = np.array(["2025Q3", "2025Q4", "2026Q1", "2026Q2", None], dtype=object)
    q = quarters[rng.integers(0, len(quarters), n)]
    start = pd.Timestamp("2025-06-01")
    date = pd.Series(start + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
                     + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s"))
    date[rng.random(n) < 0.05] = pd.NaT
    text = date.astype(object).where(date.notna(), None).astype(str)
    if tz:
        date = date.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous="NaT")
    text[rng.random(n) < 0.02] = "not a date"
    idx = rng.permutation(n) + 7  # an index that is not 0..n-1
    return pd.DataFrame({"quarter": pd.Series(q, dtype="category" if categorical else object),
                         "date": date, "created_at": text, "nps": rng.integers(0, 11, n)},
                        index=idx)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n", [50, 10_500])
def test_with_periods_equals_former(seed, n):
    rng = np.random.default_rng(seed)
    frame = _random_frame(rng, n, categorical=seed % 2 == 0, tz="Europe/Paris" if seed % 3 == 0
                          else None)
    for period in ("2026Q1", "2026-02", "2026-W05"):
        for column in (None, "date", "created_at", "absent"):
            got = with_periods(frame, period, column)
            want = _former_with_periods(frame, period, column)
            pd.testing.assert_frame_equal(got, want)
    no_quarter = frame.drop(columns="quarter")
    pd.testing.assert_frame_equal(with_periods(no_quarter, "2026Q1"),
                                  _former_with_periods(no_quarter, "2026Q1"))


def test_with_periods_categorical_with_unused_and_missing_categories():
    values = pd.Categorical(["2026Q1", None, "2026Q2"], categories=["2025Q4", "2026Q1", "2026Q2"])
    frame = pd.DataFrame({"quarter": values})
    pd.testing.assert_frame_equal(with_periods(frame, "2026Q1"),
                                  _former_with_periods(frame, "2026Q1"))


@pytest.mark.parametrize("seed", range(5))
def test_in_periods_equals_isin_of_the_labels(seed):
    rng = np.random.default_rng(seed)
    frame = _random_frame(rng, 3_000, categorical=seed % 2 == 0, tz=None)
    labels = ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2024Q1", "2026-01", "2026-W05"]
    for period in ("2026Q1", "2026-01", "2026-W05"):
        labelled = with_periods(frame, period)
        for k in range(4):
            wanted = list(rng.choice(labels, size=k, replace=False))
            want = labelled["period"].isin(wanted).to_numpy()
            np.testing.assert_array_equal(in_periods(labelled, period, wanted), want)
        np.testing.assert_array_equal(in_periods(labelled, period, period),
                                      (labelled["period"] == period).to_numpy())


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("dtype", ["object", "category"])
def test_split_by_equals_a_mask_per_value(seed, dtype):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 400))
    teams = np.array(["A", "B", "(no team)", "Ä b", None], dtype=object)
    frame = pd.DataFrame({"team": pd.Series(teams[rng.integers(0, len(teams), n)], dtype=dtype),
                          "nps": rng.integers(0, 11, n)}, index=rng.permutation(n) * 3)
    rows = split_by(frame, "team")
    for team in ["A", "B", "(no team)", "Ä b", "absent"]:
        pd.testing.assert_frame_equal(rows(team), frame[frame["team"] == team])


def test_section_frame_leaves_out_identifiers_only():
    frame = pd.DataFrame({"response_id": ["R1"], "customer_id": ["C1"], "team": ["A"],
                          "nps": [9]})
    assert section_frame(frame).columns.tolist() == ["team", "nps"]
    assert section_frame(frame[["team"]]).columns.tolist() == ["team"]
