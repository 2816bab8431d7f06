"""Validation helpers: messages name column, rows and values; nothing is dropped in silence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.core.errors import DataValidationError, KpiToolsError
from kpitools.core.validation import (
    check_choice,
    check_confidence_level,
    check_count,
    clean_numeric,
)


def test_error_hierarchy():
    err = DataValidationError("bad", column="c", rows=[1], values=[2])
    assert isinstance(err, KpiToolsError) and isinstance(err, ValueError)
    assert (err.column, err.rows, err.values) == ("c", [1], [2])
    assert str(err) == "column 'c': bad (row 1: 2)"


def test_long_lists_are_truncated_with_a_count():
    err = DataValidationError("bad", column="c", rows=list(range(8)), values=[11] * 8)
    assert str(err) == "column 'c': bad (rows 0, 1, 2, 3, 4, … 3 more: 11, 11, 11, 11, 11)"


def test_clean_numeric_keeps_row_labels_and_lists_missing_rows():
    s = pd.Series([1, None, " ", 3, np.nan], index=list("abcde"), name="q1", dtype=object)
    values, excluded = clean_numeric(s, lower=0, upper=10)
    assert values.index.tolist() == ["a", "d"]
    assert excluded["row"].tolist() == ["b", "c", "e"]
    assert set(excluded["column"]) == {"q1"}


def test_clean_numeric_rejects_booleans_and_text():
    with pytest.raises(DataValidationError, match="boolean values"):
        clean_numeric(pd.Series([True, False], name="flag"))
    with pytest.raises(DataValidationError, match=r"column 'x': 1 value not a number "
                                                  r"\(row 1: True\)"):
        clean_numeric(pd.Series([1, True, 2], name="x", dtype=object))


def test_checks():
    assert check_confidence_level(0.9) == 0.9
    for bad in (0, 1, 1.5, "x", float("nan")):
        with pytest.raises(ValueError, match="confidence_level"):
            check_confidence_level(bad)
    with pytest.raises(ValueError, match="method='Wilson' is not valid; choose one of 'wilson'"):
        check_choice("method", "Wilson", ("wilson",))  # no case folding, no prefix matching
    with pytest.raises(ValueError, match="method='wil' is not valid"):
        check_choice("method", "wil", ("wilson",))
    assert check_count("n", 5.0) == 5
    with pytest.raises(ValueError, match="whole number"):
        check_count("n", 2.5)
    with pytest.raises(ValueError, match="at least 0"):
        check_count("n", -1)
