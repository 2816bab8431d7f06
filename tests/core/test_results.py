"""Result objects: fixed schema, readable repr, HTML that escapes user strings."""

from __future__ import annotations

import dataclasses

import pytest

import kpitools as kt
from kpitools.core.results import COMPARISON_COLUMNS, ESTIMATE_COLUMNS

SCORES = [10, 9, 9, 8, 7, 3, 10, 9, 6, 10, 2, 9]


def test_estimate_is_frozen_and_round_trips_to_a_tidy_row():
    r = kt.nps(SCORES)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.estimate = 0  # type: ignore[misc]
    row = r.to_frame()
    assert tuple(row.columns) == ESTIMATE_COLUMNS
    assert row.iloc[0].to_dict() == {c: getattr(r, c) for c in ESTIMATE_COLUMNS}
    assert r.ci == (r.ci_low, r.ci_high)


def test_comparison_row_and_repr():
    c = kt.compare_nps(SCORES, [10] * 12, label_a="Q2", label_b="Q3")
    row = c.to_frame()
    assert tuple(row.columns) == COMPARISON_COLUMNS
    assert row.group_a[0] == "Q2" and row.group_b[0] == "Q3"
    assert repr(c).startswith("<NPS Q3 − Q2: 100.0 − 33.3 = +66.7 points, 95% CI")


def test_html_repr_escapes_labels():
    c = kt.compare_nps(SCORES, [10] * 12, label_a="<script>alert(1)</script>", label_b="b&c")
    html = c._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "b&amp;c" in html
