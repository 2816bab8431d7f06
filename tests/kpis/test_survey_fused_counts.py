"""The fused NPS/CSAT counting pass (issue 13 items 3–4, issue 12 item 4) equals the former one.

`kpitools.kpis.common.scale_answer_counts` counts every group's answers in one block-wise
``bincount`` when the answers are numbers; the former implementation validates the column
(`clean_by_position` of `clean_numeric`) and counts the validated answers at their positions
(`scale_counts_from_clean`, still the path for text and labels). On random inputs — NaN
answers, nullable and float answers, missing keys, unused categories, groups whose rows are
all excluded, object, ``str`` and categorical keys, several blocks — both give the same
counts, the same excluded rows, the same summaries and comparisons, and the same errors for
answers outside the scale or not whole.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import kpitools as kt
from kpitools.core.errors import DataValidationError
from kpitools.core.validation import clean_numeric
from kpitools.kpis import common
from kpitools.kpis.common import scale_answer_counts, scale_counts_from_clean
from kpitools.tables import keys as keys_module
from kpitools.tables.keys import KeyCodes, clean_by_position


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch):
    # many blocks on small data, so block boundaries are exercised
    monkeypatch.setattr(keys_module, "_BLOCK_ROWS", 257)


def _keys(rng, rows, kind, n_levels):
    words = np.array([f"t{i:03d}" for i in range(n_levels)], dtype=object)
    picked = words[rng.integers(0, n_levels, rows)]
    picked[rng.random(rows) < 0.02] = None
    if kind == "object":
        # equal strings held by different objects, as text built row by row gives them
        copies = np.array(["".join(list(w)) if w is not None and i % 3 == 0 else w
                           for i, w in enumerate(picked)], dtype=object)
        return pd.Series(copies, dtype=object)
    if kind == "str":
        return pd.Series(picked).astype("str")
    # unused categories (never in the data) and missing keys
    return pd.Series(pd.Categorical(picked, categories=[*words, "unused", "also unused"]))


def _answers(rng, rows, kind, lower, upper):
    values = rng.integers(lower, upper + 1, rows)
    if kind == "int64":
        return pd.Series(values.astype(np.int64))
    if kind == "int8":
        return pd.Series(values.astype(np.int8))
    gaps = rng.random(rows) < 0.05
    if kind == "Int64":
        out = pd.Series(values, dtype="Int64")
        out[gaps] = pd.NA
        return out
    out = values.astype(np.float32 if kind == "float32" else np.float64)
    out[gaps] = np.nan
    return pd.Series(out)


def _frame(seed, rows, key_kinds, answer_kind, lower=0, upper=10, *, index=None):
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({f"k{i}": _keys(rng, rows, kind, n)
                         for i, (kind, n) in enumerate(key_kinds)})
    data["score"] = _answers(rng, rows, answer_kind, lower, upper)
    if index == "duplicated":  # as after pd.concat of two files
        data.index = np.concatenate([np.arange(rows // 2), np.arange(rows - rows // 2)])
    elif index == "text":
        data.index = [f"r{i}" for i in range(rows)]
    return data


def _former(data, keys, lower, upper, missing="exclude"):
    kc = KeyCodes(data, keys)
    clean, positions, excluded = clean_by_position(
        clean_numeric, data["score"], column="score", lower=lower, upper=upper, integer=True,
        missing=missing, scale_text=f"{lower}–{upper}")
    return scale_counts_from_clean(clean, positions, kc, lower=lower, upper=upper), excluded


CASES = [
    # (seed, rows, key kinds, answers, index)
    (1, 3_000, [("category", 50), ("category", 8)], "int64", None),
    (2, 3_000, [("object", 50), ("object", 8)], "float64", None),
    (3, 2_000, [("str", 20)], "Int64", "duplicated"),
    (4, 2_500, [("category", 300)], "float32", "text"),
    (5, 1_000, [], "float64", None),
    (6, 4_000, [("object", 7), ("category", 5), ("str", 3)], "int8", None),
    (7, 600, [("category", 400)], "float64", None),  # many groups with few or no rows
]


@pytest.mark.parametrize("seed, rows, key_kinds, answer_kind, index", CASES)
@pytest.mark.parametrize("scale", [(0, 10), (1, 5)])
def test_counts_and_excluded_rows_equal_the_former_pass(seed, rows, key_kinds, answer_kind,
                                                        index, scale):
    lower, upper = scale
    data = _frame(seed, rows, key_kinds, answer_kind, lower, upper, index=index)
    keys = list(data.columns[:-1])
    got, got_excluded = scale_answer_counts(
        data["score"], KeyCodes(data, keys), lower=lower, upper=upper, missing="exclude",
        column="score", clean=lambda: pytest.fail("the fused pass fell back"))
    want, want_excluded = _former(data, keys, lower, upper)
    np.testing.assert_array_equal(got, want)
    pd.testing.assert_frame_equal(pd.DataFrame(got_excluded), pd.DataFrame(want_excluded))


def _without_fused_pass(monkeypatch):
    monkeypatch.setattr(common, "_fast_scale_counts", lambda *args, **kwargs: None)


def _run(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


@pytest.mark.parametrize("seed, rows, key_kinds, answer_kind, index", CASES)
@pytest.mark.parametrize("kpi, options", [
    ("nps", {}), ("enps", {}), ("nps", {"method": "wald", "alternative": "greater"}),
    ("csat", {}), ("csat", {"positive": (5,), "method": "agresti_coull"}),
    ("csat", {"scale": (0, 10), "positive": (9, 10, 9)}),
])
def test_summaries_equal_the_former_implementation(seed, rows, key_kinds, answer_kind, index,
                                                   kpi, options, monkeypatch):
    scale = options.get("scale", (0, 10) if kpi in ("nps", "enps") else (1, 5))
    data = _frame(seed, rows, key_kinds, answer_kind, *scale, index=index)
    keys = list(data.columns[:-1]) or None
    got = _run(lambda: kt.summarize(data, kpi, "score", keys, **options))
    _without_fused_pass(monkeypatch)
    want = _run(lambda: kt.summarize(data, kpi, "score", keys, **options))
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(pd.DataFrame(got.attrs["excluded"]),
                                  pd.DataFrame(want.attrs["excluded"]))


def test_groups_with_only_missing_answers_and_unused_categories():
    data = pd.DataFrame({
        "team": pd.Categorical(["a", "a", "b", "b", None], categories=["a", "b", "c"]),
        "score": [10.0, 3.0, np.nan, np.nan, 9.0],
    })
    out = _run(lambda: kt.summarize(data, "nps", "score", "team"))
    assert out["team"].astype(object).tolist()[:2] == ["a", "b"] and pd.isna(out["team"][2])
    assert out["n"].tolist() == [2, 0, 1]
    assert out["n_excluded"].tolist() == [0, 2, 0]
    assert np.isnan(out["estimate"][1])
    assert out.attrs["excluded"]["row"].tolist() == [2, 3]


@pytest.mark.parametrize("bad", [11, -1, 7.5, np.inf, -np.inf])
@pytest.mark.parametrize("kpi", ["nps", "csat"])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_answers_outside_the_scale_raise_the_same_error(bad, kpi, dtype, monkeypatch):
    if dtype == "int64" and not float(bad).is_integer():
        return  # an int64 column cannot hold it: the float case covers it
    rng = np.random.default_rng(11)
    upper = 10 if kpi == "nps" else 5
    scores = rng.integers(1, upper + 1, 1_000).astype(dtype)
    scores[[17, 600]] = bad if kpi == "nps" or bad not in (11,) else upper + 1
    data = pd.DataFrame({"team": rng.choice(["x", "y"], 1_000), "score": scores})
    with pytest.raises(DataValidationError) as got:
        kt.summarize(data, kpi, "score", "team")
    _without_fused_pass(monkeypatch)
    with pytest.raises(DataValidationError, match=re.escape(str(got.value))):
        kt.summarize(data, kpi, "score", "team")
    assert "rows 17, 600" in str(got.value) or "[17, 600]" in str(got.value)


def test_missing_raise_raises_the_same_error(monkeypatch):
    data = _frame(8, 500, [("object", 4)], "float64")
    with pytest.raises(DataValidationError) as got:
        kt.summarize(data, "nps", "score", "k0", missing="raise")
    _without_fused_pass(monkeypatch)
    with pytest.raises(DataValidationError, match=re.escape(str(got.value))):
        kt.summarize(data, "nps", "score", "k0", missing="raise")


def test_text_and_labelled_answers_take_the_former_path():
    data = pd.DataFrame({"team": ["a", "a", "b", "b"],
                         "csat": ["very satisfied", "dissatisfied", "5", 4]})
    out = _run(lambda: kt.summarize(data, "csat", by="team"))
    assert out["estimate"].tolist() == [50.0, 100.0]


@pytest.mark.parametrize("kpi, method", [("nps", "adjusted_wald"), ("nps", "score"),
                                         ("csat", None)])
def test_vectorised_compare_equals_the_former_counts(kpi, method, monkeypatch):
    data = _frame(9, 3_000, [("object", 6), ("category", 4)], "float64",
                  *((0, 10) if kpi == "nps" else (1, 5)))
    options = {"method": method} if method else {}
    got = _run(lambda: kt.compare(data, kpi, "score", group="k1", by="k0", **options))
    _without_fused_pass(monkeypatch)
    want = _run(lambda: kt.compare(data, kpi, "score", group="k1", by="k0", **options))
    pd.testing.assert_frame_equal(got, want)


# ------------------------------------------------------------- object keys by identity

def _factorize_reference(column):
    codes, uniques = pd.factorize(column, sort=False, use_na_sentinel=True)
    return codes, pd.Index(uniques)


@pytest.mark.parametrize("limit", [1 << 16, 3])
def test_object_keys_by_identity_equal_pandas_factorize(limit, monkeypatch):
    monkeypatch.setattr(keys_module, "_IDENTITY_LIMIT", limit)
    rng = np.random.default_rng(5)
    pool = ["a", "".join(["a"]), "b", None, np.nan, float("nan"), 1, 1.0, True, "1", ("t",)]
    values = np.empty(2_000, dtype=object)
    for i, j in enumerate(rng.integers(0, len(pool), 2_000)):
        values[i] = pool[j]
    column = pd.Series(values, dtype=object)
    codes, relabel, uniques = keys_module._factorize(column)
    want_codes, want_uniques = _factorize_reference(column)
    np.testing.assert_array_equal(relabel.take(codes), want_codes)
    assert uniques.tolist() == want_uniques.tolist()
    assert [type(v) for v in uniques] == [type(v) for v in want_uniques]


def test_a_strided_object_column_is_factorized_directly():
    values = np.array(["b", "a", "b", "c"] * 10, dtype=object)[::2]
    assert keys_module._object_identities(values) is None
    codes, uniques = keys_module._codes_of(pd.Series(values))
    assert uniques.tolist() == ["b"] and set(codes.tolist()) == {0}


@pytest.mark.filterwarnings("ignore::kpitools.core.errors.SmallSampleWarning")
@pytest.mark.parametrize("ratings", ["int", "float"])
def test_csat_on_a_scale_below_zero_by_group_equals_each_group_alone(ratings):
    # a -2..2 scale: the fused count used to fail inside numpy.bincount ("'list' argument
    # must have no negative elements") on numeric answers; each group's row must equal
    # `kt.csat` of that group's answers
    rng = np.random.default_rng(8)
    data = pd.DataFrame({"team": rng.choice(["a", "b", "c"], 300),
                         "r": rng.integers(-2, 3, 300)})
    if ratings == "float":
        data["r"] = data["r"].astype(float)
        data.loc[::17, "r"] = np.nan
    table = kt.summarize(data, "csat", value="r", by="team", scale=(-2, 2), positive=(1, 2))
    for _, row in table.iterrows():
        alone = kt.csat(data.loc[data["team"] == row["team"], "r"], scale=(-2, 2),
                        positive=(1, 2))
        assert row["estimate"] == pytest.approx(alone.estimate, abs=1e-12)
        assert row["ci_low"] == pytest.approx(alone.ci_low, abs=1e-12)
        assert row["n"] == alone.n
    positives = data["r"].isin([1, 2]).groupby(data["team"]).sum()
    valid = data["r"].notna().groupby(data["team"]).sum()
    np.testing.assert_allclose(table.set_index("team")["estimate"],
                               100 * positives / valid)
    compared = kt.compare(data, "csat", value="r", group="team", scale=(-2, 2),
                          positive=(1, 2))
    assert len(compared) == 3 and compared["pvalue"].notna().all()
