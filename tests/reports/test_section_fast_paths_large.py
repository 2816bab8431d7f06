"""The fast paths of the report sections for large survey tables (issue 12) equal the code
they replaced, on random inputs: content keys, group codes, the group-against-rest column,
the omnibus categories, period rows, the text of a categorical column."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kpitools.grouping.frames import compare
from kpitools.reports.sections.common import (
    SURVEY_KPIS,
    content_key,
    in_periods,
    period_rows,
    remember_results,
    text_equals,
    with_periods,
)
from kpitools.reports.sections.standout import group_codes, omnibus_test, versus

QUARTERS = ["2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2"]


def _surveys(rng: np.random.Generator, n: int, *, categorical: bool = True,
             missing: bool = False, nullable: bool = False) -> pd.DataFrame:
    teams = np.array(["Billing", "Sales", "Returns", "Technical"], dtype=object)
    team = teams[rng.integers(0, len(teams), n)]
    quarter = np.array(QUARTERS + [None], dtype=object)[
        rng.integers(0, len(QUARTERS) + (1 if missing else 0), n)]
    if missing:
        team[rng.random(n) < 0.05] = None
    dtype = "category" if categorical else object
    frame = pd.DataFrame({
        "team": pd.Series(team, dtype=dtype),
        "channel": pd.Series(np.array(["email", "phone", "chat"], dtype=object)[
            rng.integers(0, 3, n)], dtype=dtype),
        "quarter": pd.Series(quarter, dtype=dtype),
        "date": pd.Timestamp("2025-04-01") + pd.to_timedelta(rng.integers(0, 450, n), unit="D"),
        "nps": rng.integers(0, 11, n),
        "csat": rng.integers(1, 6, n),
        "ces": rng.integers(1, 8, n)}, index=rng.permutation(n) + 3)
    if nullable:
        for col in ("csat", "ces"):
            values = pd.array(frame[col], dtype="Int64")
            values[rng.random(n) < 0.1] = pd.NA
            frame[col] = values
    return frame


# --- content keys -----------------------------------------------------------------------

def _former_content_key(frame: pd.DataFrame) -> tuple[object, ...] | None:
    import hashlib

    try:
        hashed = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    except (TypeError, ValueError):
        return None
    return (tuple(map(str, frame.columns)), tuple(map(str, frame.dtypes)), len(frame),
            hashlib.sha256(hashed.tobytes()).hexdigest())


def _changes(frame: pd.DataFrame, rng: np.random.Generator) -> list[pd.DataFrame]:
    """Frames that differ from ``frame`` in one value, one label, the index or a dtype."""
    out = []
    i = int(rng.integers(0, len(frame)))
    for col in ("nps", "csat", "ces"):
        changed = frame.copy()
        old = changed[col].iloc[i]
        changed.iloc[i, changed.columns.get_loc(col)] = (
            1 if pd.isna(old) else (old + 1 if old < 5 else old - 1))
        out.append(changed)
    changed = frame.copy()
    changed.iloc[i, changed.columns.get_loc("date")] += pd.Timedelta(days=1)
    out.append(changed)
    for col in ("team", "quarter"):
        changed = frame.copy()
        values = changed[col].astype(object)
        values.iloc[i] = "Other" if values.iloc[i] != "Other" else "Another"
        changed[col] = values.astype(frame[col].dtype.name if frame[col].dtype == object
                                     else "category")
        out.append(changed)
    renamed = frame.copy()
    if isinstance(frame["team"].dtype, pd.CategoricalDtype):
        renamed["team"] = renamed["team"].cat.rename_categories(
            {c: c + "!" for c in renamed["team"].cat.categories[:1]})
    else:
        renamed.loc[renamed.index[0], "team"] = "renamed"
    out.append(renamed)
    out.append(frame.set_axis(frame.index + 1))
    out.append(frame.iloc[::-1])
    out.append(frame.assign(nps=frame["nps"].astype("int32")))
    out.append(frame.assign(nps=frame["nps"] + 1000))  # wider values, same dtype
    out.append(frame.iloc[:-1])
    return out


@pytest.mark.parametrize("seed", range(4))
def test_content_key_equal_for_equal_content_and_apart_for_any_change(seed):
    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 400, categorical=seed % 2 == 0, missing=seed >= 2,
                     nullable=seed % 3 == 0)
    key = content_key(frame)
    assert key is not None
    assert content_key(frame.copy()) == key
    assert content_key(frame.copy(deep=True)[list(frame.columns)]) == key
    assert content_key(pd.DataFrame({c: frame[c].copy() for c in frame.columns})) == key
    seen_former = {_former_content_key(frame)}
    for changed in _changes(frame, rng):
        # the former key tells these frames apart, and so does the new one
        assert _former_content_key(changed) not in seen_former
        assert content_key(changed) != key


def test_content_key_of_unhashable_columns_is_none():
    frame = pd.DataFrame({"a": [[1], [2]]})
    assert content_key(frame) is None
    assert _former_content_key(frame) is None


def test_content_key_of_text_and_range_index():
    a = pd.DataFrame({"s": ["x", "y", None], "n": [1.0, np.nan, 2.5]})
    assert content_key(a) == content_key(a.copy())
    assert content_key(a) != content_key(a.assign(s=["x", "y", "z"]))
    assert content_key(a) != content_key(a.assign(n=[1.0, 3.0, 2.5]))
    assert content_key(a) != content_key(a.set_axis(pd.RangeIndex(1, 4)))
    assert content_key(a) != content_key(a.set_axis([0, 1, 3]))


def test_remembered_section_never_returns_a_stale_result_after_an_in_place_change():
    calls = []

    @remember_results(slim=True)
    def total(frame: pd.DataFrame, *, period: str) -> float:
        calls.append(1)
        return float(frame["nps"].sum())

    frame = _surveys(np.random.default_rng(9), 300)
    first = total(frame, period="2026Q1")
    assert total(frame, period="2026Q1") == first and len(calls) == 1
    frame.loc[frame.index[5], "nps"] = frame["nps"].iloc[5] + 1  # same object, changed
    assert total(frame, period="2026Q1") == first + 1 and len(calls) == 2
    frame["team"] = frame["team"].cat.rename_categories(lambda c: c.upper())
    assert total(frame, period="2026Q1") == first + 1 and len(calls) == 3


# --- group codes and the group-against-rest column --------------------------------------

def _former_group_codes(values: pd.Series) -> tuple[list[str], np.ndarray]:
    names = values.astype(str)
    groups = sorted(names.unique())
    return groups, pd.Categorical(names, categories=groups).codes


@pytest.mark.parametrize("seed", range(6))
def test_group_codes_equal_former(seed):
    rng = np.random.default_rng(seed)
    n = 500
    if seed % 3 == 0:
        cats = ["b", "a", "c", "unused", "d"]
        values = pd.Series(pd.Categorical(np.array(cats[:3] + cats[4:])[
            rng.integers(0, 4, n)], categories=cats))
    elif seed % 3 == 1:
        values = pd.Series(pd.Categorical(rng.integers(0, 12, n)))  # numbers as categories
    else:
        values = pd.Series(np.array(["x", "(no team)", "y"], dtype=object)[
            rng.integers(0, 3, n)])
    groups, codes = group_codes(values)
    want_groups, want_codes = _former_group_codes(values)
    assert groups == want_groups
    np.testing.assert_array_equal(codes, want_codes)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("spec", SURVEY_KPIS, ids=lambda s: s["kpi"])
def test_compare_against_rest_with_category_column_equals_text_column(spec, seed):
    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 700, nullable=seed % 2 == 1)
    col = spec["value"]
    values = frame.loc[frame[col].notna(), [col]]
    mine = rng.random(len(values)) < (0.1 + 0.2 * seed)
    for level in (0.95, 0.9875):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = compare(values.assign(_versus=versus(mine)), kpi=spec["kpi"], value=col,
                          group="_versus", baseline="rest", levels=["rest", "group"],
                          confidence_level=level, **spec["options"])
            want = compare(values.assign(_versus=np.where(mine, "group", "rest")),
                           kpi=spec["kpi"], value=col, group="_versus", baseline="rest",
                           levels=["rest", "group"], confidence_level=level,
                           **spec["options"])
        pd.testing.assert_frame_equal(got, want)


# --- omnibus test -----------------------------------------------------------------------

def _former_omnibus(answers: pd.DataFrame, *, by: str, kpi: str, value: str) -> dict:
    from scipy import stats

    def categories(values: pd.Series) -> pd.Series:
        if kpi == "nps":
            return pd.cut(values, [-0.5, 6.5, 8.5, 10.5],
                          labels=["detractor", "passive", "promoter"]).astype(str)
        return (values >= 4).map({True: "satisfied", False: "not satisfied"})

    frame = answers[answers[value].notna()]
    groups = [g for _, g in frame.groupby(by, sort=True)[value]]
    out = {"test": "kruskal_wallis" if kpi not in ("nps", "csat") else "chi_square",
           "statistic": np.nan, "df": np.nan, "pvalue": np.nan, "groups": len(groups),
           "n": len(frame)}
    if len(groups) < 2:
        return out
    if kpi in ("nps", "csat"):
        table = pd.crosstab(frame[by], categories(frame[value].astype(float)))
        table = table.loc[:, table.sum(axis=0) > 0]
        if table.shape[1] < 2:
            return out
        res = stats.chi2_contingency(table.to_numpy(), correction=False)
        out.update(statistic=float(res.statistic), df=int(res.dof), pvalue=float(res.pvalue))
    else:
        if len({float(v) for v in frame[value]}) < 2:
            return out
        res = stats.kruskal(*groups)
        out.update(statistic=float(res.statistic), df=len(groups) - 1,
                   pvalue=float(res.pvalue))
    return out


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("spec", SURVEY_KPIS, ids=lambda s: s["kpi"])
def test_omnibus_test_equals_former(spec, seed):
    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 300 + 50 * seed, categorical=seed % 2 == 0, nullable=seed == 3)
    if seed == 4:  # one category of answers only: nobody satisfied, all detractors, one score
        frame = frame.assign(nps=rng.integers(0, 7, len(frame)), csat=1, ces=4)
    for by in ("team", "channel"):
        got = omnibus_test(frame, by=by, kpi=spec["kpi"], value=spec["value"])
        want = _former_omnibus(frame, by=by, kpi=spec["kpi"], value=spec["value"])
        assert got.keys() == want.keys()
        for name, value in want.items():
            same = got[name] == value or (isinstance(value, float) and np.isnan(value)
                                          and np.isnan(got[name]))
            assert same, (name, got[name], value)


# --- period rows, text of a categorical column ------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_period_rows_equal_labelling_then_choosing(seed):
    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 600, categorical=seed % 2 == 0, missing=seed >= 2)
    for period, wanted in (("2026Q1", "2026Q1"), ("2026Q1", ["2025Q4", "2026Q1", "2025Q1"]),
                           ("2026Q2", QUARTERS), ("2026-02", ["2026-01", "2026-02"]),
                           ("2026-W05", "2026-W05"), ("2027Q1", "2027Q1")):
        labelled = with_periods(frame, period)
        want = labelled[in_periods(labelled, period, wanted)]
        pd.testing.assert_frame_equal(period_rows(frame, period, wanted), want)


@pytest.mark.parametrize("seed", range(4))
def test_text_equals_equals_text_comparison(seed):
    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 500, categorical=seed % 2 == 0, missing=True)
    numbers = pd.Series(pd.Categorical(rng.integers(0, 4, 50)))
    for values, text in [(frame["quarter"], q) for q in [*QUARTERS, "nan", "None", "x"]] + [
            (numbers, "2"), (numbers, "7")]:
        want = (values.astype(str) == text).to_numpy()
        np.testing.assert_array_equal(text_equals(values, text), want)


# --- periods as categories in the comparisons -------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_period_categories_equal_categories_of_the_labels(seed):
    from kpitools.reports.sections.common import period_categories

    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 600, categorical=seed % 2 == 0, missing=seed >= 2)
    for period, wanted in (("2026Q1", ["2025Q1", "2025Q4", "2026Q1"]),
                           ("2026Q2", ["2026Q2", "2026Q1"]), ("2026-02", ["2026-01", "2026-02"])):
        labelled = with_periods(frame, period)
        got = period_categories(labelled, period, wanted)
        known = labelled["period"].where(labelled["period"].isin(wanted))
        want = pd.Categorical(known, categories=wanted)
        pd.testing.assert_extension_array_equal(got, want)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("spec", SURVEY_KPIS, ids=lambda s: s["kpi"])
def test_headline_comparison_on_categories_equals_on_text(spec, seed):
    from kpitools.reports.sections.common import period_categories
    from kpitools.reports.sections.headline import _compare_periods

    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 800, nullable=seed % 2 == 1)
    period, prev, yago = "2026Q2", "2026Q1", "2025Q2"
    text = period_rows(frame, period, [prev, yago, period])
    coded = text.assign(period=period_categories(text, period, [yago, prev, period]))
    for base in (prev, yago):
        for level in (0.95, 0.9833):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = _compare_periods(coded, spec, base, period, level)
                want = _compare_periods(text, spec, base, period, level)
            assert got.keys() == want.keys()
            np.testing.assert_array_equal(list(got.values()), list(want.values()))


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("spec", SURVEY_KPIS, ids=lambda s: s["kpi"])
def test_team_change_on_categories_equals_on_text(spec, seed):
    from kpitools.reports.sections.common import period_categories, split_by

    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 900, categorical=seed != 1, nullable=seed == 2)
    period, prev = "2026Q2", "2026Q1"
    col = spec["value"]
    labelled = with_periods(frame, period)
    both = labelled[in_periods(labelled, period, [prev, period]) & labelled[col].notna()]
    text = split_by(both[["team", "period", col]], "team")
    coded = split_by(both[["team", "period", col]].assign(
        period=period_categories(both, period, [prev, period])), "team")
    for team in ("Billing", "Sales", "Returns", "Technical"):
        for level in (0.95, 0.99):
            got = compare(coded(team), kpi=spec["kpi"], value=col, group="period",
                          baseline=prev, levels=[prev, period], confidence_level=level,
                          **spec["options"])
            want = compare(text(team), kpi=spec["kpi"], value=col, group="period",
                           baseline=prev, levels=[prev, period], confidence_level=level,
                           **spec["options"])
            pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize("seed", range(4))
def test_distinct_periods_equal_nunique_of_the_labels(seed):
    from kpitools.reports.sections.common import distinct_periods

    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 300, categorical=seed % 2 == 0, missing=seed >= 2)
    for period in ("2026Q1", "2026-02", "2026-W05"):
        labelled = with_periods(frame, period)
        for rows in (labelled, labelled[labelled["quarter"] == "2025Q4"], labelled.iloc[:0],
                     labelled[labelled["quarter"].isna()]):
            assert distinct_periods(rows, period) == rows["period"].nunique()


# --- the quarters of the data (setup_report) --------------------------------------------

def _former_data_quarters(frame: pd.DataFrame) -> list[str]:
    from kpitools.core.errors import DataValidationError
    from kpitools.reports.sections.setup import _is_quarter, quarter_of
    from kpitools.tables.periods import parse_quarter

    labels = quarter_of(frame, "quarter").dropna().astype(str)
    bad = sorted({q for q in labels.unique() if not _is_quarter(q, parse_quarter)})
    if bad:
        rows = [str(r) for r in labels.index[labels.isin(bad)][:3]]
        raise DataValidationError(
            f"table 'surveys': {int(labels.isin(bad).sum())} quarter labels are not "
            f"quarters such as 2026Q3 (rows {', '.join(rows)}: "
            f"{', '.join(repr(q) for q in bad[:3])}); map them in kpitools.toml or give "
            "the date instead", column="quarter")
    return sorted(set(labels.unique()))


@pytest.mark.parametrize("seed", range(6))
def test_data_quarters_equal_former(seed):
    from kpitools.core.errors import DataValidationError
    from kpitools.reports.sections.setup import data_quarters

    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 400, categorical=seed % 3 != 2, missing=seed % 2 == 1)
    if seed >= 3:  # a label that is not a quarter, or an unused category that is not one
        values = frame["quarter"].astype(object)
        values.iloc[rng.integers(0, len(values), 3)] = "Q3 2026"
        frame["quarter"] = values.astype("category" if seed != 5 else object)
    if seed == 1:
        frame["quarter"] = frame["quarter"].cat.add_categories(["not a quarter", "2030Q1"])
    try:
        want: list[str] | str = _former_data_quarters(frame)
    except DataValidationError as error:
        want = str(error)
    try:
        got: list[str] | str = data_quarters(frame)
    except DataValidationError as error:
        got = str(error)
    assert got == want


@pytest.mark.parametrize("seed", range(4))
def test_enough_answers_from_codes_equal_enough_of_the_rows(seed):
    from kpitools.reports.sections.common import enough, period_categories, split_by
    from kpitools.reports.sections.headline import _enough_in

    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 60, nullable=True, missing=seed >= 2)
    frame.loc[frame["quarter"] == "2026Q1", "ces"] = pd.NA  # a period without answers
    frame.loc[frame.index[frame["quarter"] == "2025Q3"][1:], "csat"] = pd.NA  # one answer
    period = "2026Q2"
    text = period_rows(frame, period, ["2025Q2", "2026Q1", "2026Q2", "2025Q3"])
    coded = text.assign(period=period_categories(text, period,
                                                 ["2025Q2", "2026Q1", "2026Q2", "2025Q3"]))
    parts = split_by(text, "period")
    for column in ("nps", "csat", "ces", "absent"):
        for label in ("2025Q2", "2026Q1", "2026Q2", "2025Q3", "2024Q1"):
            want = enough(parts(label), column)
            assert _enough_in(coded, column, label) == want
            assert _enough_in(text, column, label, parts) == want


@pytest.mark.parametrize("seed", range(6))
def test_answers_in_period_from_a_mask_equal_present_kpis_of_the_rows(seed):
    from kpitools.reports.sections.common import _answers_in, present_kpis

    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 80, categorical=seed % 3 != 2, nullable=True, missing=seed >= 3)
    if seed % 2:
        frame = frame.drop(columns="ces")
    for col in [c for c in ("nps", "csat", "ces") if c in frame.columns]:
        if rng.random() < 0.6:  # no answers in 2026Q1 for this KPI
            frame[col] = frame[col].astype("Float64").mask(frame["quarter"] == "2026Q1")
    for period in ("2026Q1", "2026Q2", "2027Q1", "2026-02"):
        cur = with_periods(frame, period)
        want = bool(present_kpis(cur[in_periods(cur, period, period)]))
        assert _answers_in(frame, period) == want


def test_keys_once_hashes_each_frame_once_inside_and_every_call_outside(monkeypatch):
    from kpitools.reports.sections import common

    hashed = []
    former = common.content_key
    monkeypatch.setattr(common, "content_key", lambda f: hashed.append(len(f)) or former(f))
    calls = []

    @remember_results(slim=True)
    def total(frame: pd.DataFrame, *, period: str) -> float:
        calls.append(1)
        return float(frame["nps"].sum())

    frame = _surveys(np.random.default_rng(3), 200).assign(response_id="R")
    other = frame.copy()
    with common.keys_once():
        first = total(frame, period="2026Q1")
        assert total(frame, period="2026Q2") == first
        assert total(other, period="2026Q1") == first  # equal content: remembered
        assert common.frame_key(frame, slim=True) == common.frame_key(other, slim=True)
        assert common.frame_key(frame, slim=False) != common.frame_key(frame, slim=True)
    assert len(hashed) == 3 and len(calls) == 2  # frame and other slim, frame whole
    frame.loc[frame.index[0], "nps"] = frame["nps"].iloc[0] + 1
    assert total(frame, period="2026Q1") == first + 1  # outside: hashed again, not stale
    assert len(hashed) == 4 and len(calls) == 3


@pytest.mark.parametrize("seed", range(8))
def test_code_in_equals_indexing(seed):
    from kpitools.reports.sections.common import code_in

    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 12))
    codes = rng.integers(-1, k, 1_000).astype(np.int8 if seed % 2 else np.int16)
    for _ in range(20):
        hit = rng.random(k) < rng.random()
        np.testing.assert_array_equal(code_in(codes, hit), np.append(hit, False)[codes])


# --- whole sections: the fast paths (categorical quarters) against the text paths -------

def _same_output(a: object, b: object) -> None:
    assert type(a) is type(b)
    pd.testing.assert_frame_equal(a.data, b.data)  # type: ignore[attr-defined]
    if hasattr(a, "display"):
        pd.testing.assert_frame_equal(a.display, b.display)  # type: ignore[attr-defined]
        assert a.caption == b.caption and a.notes == b.notes  # type: ignore[attr-defined]
        assert a.absent == b.absent  # type: ignore[attr-defined]
    else:
        assert repr(a) == repr(b)


@pytest.mark.parametrize("seed", range(3))
def test_survey_sections_equal_on_categorical_and_text_quarters(seed):
    from kpitools.reports.sections import (
        channel_table,
        headline_table,
        standout_table,
        team_league_table,
    )
    from kpitools.reports.sections.common import survey_absence

    rng = np.random.default_rng(seed)
    coded = _surveys(rng, 3_000, categorical=True, missing=seed == 2, nullable=seed >= 1)
    if seed == 1:  # a KPI without answers in the previous quarter
        coded["ces"] = coded["ces"].mask(coded["quarter"] == "2026Q1")
    text = coded.assign(quarter=coded["quarter"].astype(object))
    for function, options in ((headline_table, {}), (team_league_table, {}),
                              (standout_table, {"by": "team"}),
                              (standout_table, {"by": "channel", "kpi": "ces"}),
                              (standout_table, {"by": "team", "kpi": "csat"}),
                              (channel_table, {})):
        for period in ("2026Q2", "2026Q1", "2027Q1"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = function(coded, period=period, **options)
                want = function(text, period=period, **options)
            _same_output(got, want)
            assert survey_absence(coded, period) == survey_absence(text, period)


@pytest.mark.parametrize("seed", range(4))
def test_period_rows_as_categories_equal_the_labels_as_categories(seed):
    from kpitools.reports.sections.common import period_categories

    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 500, categorical=seed % 2 == 0, missing=seed >= 2)
    for period, wanted in (("2026Q1", ["2025Q1", "2025Q4", "2026Q1"]),
                           ("2026Q2", ["2026Q1", "2026Q2"]), ("2026-02", ["2026-01", "2026-02"])):
        labelled = period_rows(frame, period, wanted)
        want = labelled.assign(period=period_categories(labelled, period, wanted))
        pd.testing.assert_frame_equal(period_rows(frame, period, wanted, categories=True), want)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [1, 3, 8, 9, 40])
def test_split_by_few_or_many_values_equals_filtering(seed, k):
    from kpitools.reports.sections.common import split_by

    rng = np.random.default_rng(seed)
    names = np.array([f"v{i}" for i in range(k)], dtype=object)
    values = names[rng.integers(0, k, 700)]
    values[rng.random(700) < 0.05] = None
    frame = pd.DataFrame({"g": pd.Series(values, dtype="category" if seed % 2 else object),
                          "x": rng.random(700)}, index=rng.permutation(700) * 3)
    rows = split_by(frame, "g")
    for value in [*names, "absent"]:
        pd.testing.assert_frame_equal(rows(value), frame[frame["g"] == value])


@pytest.mark.parametrize("seed", range(3))
def test_answered_rows_equal_filtering(seed):
    from kpitools.reports.sections.trends import _answered

    rng = np.random.default_rng(seed)
    frame = _surveys(rng, 300, nullable=seed > 0)
    for col in ("nps", "csat", "ces"):
        pd.testing.assert_frame_equal(_answered(frame, col), frame[frame[col].notna()])


@pytest.mark.parametrize("seed", range(2))
def test_trend_figures_equal_on_categorical_and_text_quarters(seed):
    from kpitools.reports.sections import csat_control_chart, kpi_trend_figure

    rng = np.random.default_rng(seed)
    coded = _surveys(rng, 2_000, nullable=seed == 1)
    text = coded.assign(quarter=coded["quarter"].astype(object))
    for function in (kpi_trend_figure, csat_control_chart):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got, want = function(coded, period="2026Q2"), function(text, period="2026Q2")
        assert got.to_svg() == want.to_svg()
        assert got.absent == want.absent


@pytest.mark.parametrize("kind", ["quarter", "month", "week"])
@pytest.mark.parametrize("tz", [None, "Europe/Berlin", "America/Santiago"])
def test_period_labels_of_many_timestamps_are_those_of_each_one(kind, tz):
    """Past 10,000 timestamps the labels come from each distinct day (its midnight in its
    own time zone, across daylight-saving changes, also where midnight itself is skipped);
    they equal `period_labels` of every timestamp, and `date_period_codes` says which of
    some periods each row falls in."""
    from kpitools.reports.sections.common import date_period_codes, date_period_labels
    from kpitools.tables.periods import period_labels

    rng = np.random.default_rng(7)
    start = pd.Timestamp("2025-09-01")
    seconds = rng.integers(0, 400 * 86400, 30_000)
    when = pd.Series(start + pd.to_timedelta(seconds, unit="s"))
    if tz is not None:
        when = when.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous="NaT")
    when[rng.random(len(when)) < 0.02] = pd.NaT
    want = period_labels(when, kind)
    got = date_period_labels(when, kind)
    pd.testing.assert_series_equal(got.astype(object), want.astype(object),
                                   check_names=False)
    periods = sorted(want.dropna().unique())[1:4]
    codes = date_period_codes(when, kind, periods)
    expected = pd.Index(periods).get_indexer(want.astype(object).fillna("none"))
    np.testing.assert_array_equal(codes, expected)
