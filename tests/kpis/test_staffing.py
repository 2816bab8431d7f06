"""Erlang C staffing against a published worked example and the factorial formula."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.kpis.staffing import (
    agents_needed,
    erlang_asa,
    erlang_c,
    erlang_service_level,
    staffing_plan,
)

REFERENCE = Path(__file__).parents[1] / "reference"
EXAMPLE = json.loads((REFERENCE / "erlang_c_example.json").read_text())


def erlang_c_factorial(a: float, n: int) -> float:
    """The textbook formula with factorials, written out independently."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


@pytest.mark.parametrize("case", [EXAMPLE], ids=[EXAMPLE["id"]])
def test_published_erlang_c_example(case):
    # Call Centre Helper worked example (see tests/reference/erlang_c_example.json)
    r = agents_needed(**case["inputs"])
    exp, tol = case["expected"], case["tolerance"]
    assert r.traffic == pytest.approx(exp["traffic"])
    assert (r.agents, r.agents_scheduled) == (exp["agents"], exp["agents_scheduled"])
    assert r.service_level == pytest.approx(exp["service_level"], abs=tol)
    assert r.occupancy == pytest.approx(exp["occupancy"], abs=tol)
    assert r.probability_wait == pytest.approx(exp["probability_wait"], abs=tol)


@pytest.mark.parametrize("a,n", [(0.5, 1), (2.0, 3), (10.0, 14), (48.0, 55), (80.0, 95)])
def test_erlang_c_equals_factorial_formula(a, n):
    assert erlang_c(a, n) == pytest.approx(erlang_c_factorial(a, n), rel=1e-10)


def test_service_level_and_asa_formulas():
    a, n, aht = 10.0, 14, 180.0
    pw = erlang_c_factorial(a, n)
    expected = 1 - pw * math.exp(-(n - a) * 20 / aht)
    assert erlang_service_level(a, n, aht, 20) == pytest.approx(expected)
    assert erlang_asa(a, n, aht) == pytest.approx(pw * aht / (n - a))
    assert erlang_c(10.0, 10) == 1.0 and erlang_asa(10.0, 9, aht) == math.inf


@settings(max_examples=40, deadline=None)
@given(st.floats(1, 400), st.floats(30, 900), st.floats(0.5, 0.95))
def test_agents_needed_is_the_smallest_meeting_target(calls, aht, target):
    r = agents_needed(calls, aht, service_level=target)
    assert r.service_level >= target
    if r.agents - 1 > r.traffic:
        assert erlang_service_level(r.traffic, r.agents - 1, aht, 20) < target
    higher = agents_needed(calls * 1.5, aht, service_level=target)
    assert higher.agents >= r.agents


def test_staffing_plan_rows_and_bad_input():
    plan = staffing_plan(pd.Series([0, 50, 120]), 240, shrinkage=0.25)
    assert plan["agents"].tolist()[0] == 0
    assert (plan["agents_scheduled"] >= plan["agents"]).all()
    with pytest.raises(ValueError, match=r"shrinkage must be in \[0, 1\), got 1.2"):
        agents_needed(10, 100, shrinkage=1.2)
    with pytest.raises(ValueError, match=r"aht_seconds must be positive, got -3"):
        agents_needed(10, -3)
