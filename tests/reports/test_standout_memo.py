"""`standout_table` keeps recent results by the content of its input (a batch of team
reports asks for the same all-teams table once per team): what it returns is always what
a computation from scratch returns."""

import pandas as pd
import pytest

from kpitools.datasets.simulate import simulate_service_data
from kpitools.reports.sections import standout
from kpitools.reports.sections.standout import standout_table

PERIOD = "2026Q3"


@pytest.fixture(scope="module")
def surveys():
    teams = [f"Team {i:02d}" for i in range(12)]
    return simulate_service_data(seed=29, scale=0.2, teams=teams).surveys


def _from_scratch(surveys, **options):
    standout._RESULTS.clear()
    return standout_table(surveys, period=PERIOD, **options)


def _same(a, b):
    pd.testing.assert_frame_equal(a.data, b.data)
    assert a.data.attrs == b.data.attrs
    assert (a.caption, a.notes, a._repr_html_()) == (b.caption, b.notes, b._repr_html_())


@pytest.mark.parametrize("options", [{}, {"kpi": "csat", "confidence_level": 0.9}])
def test_equal_content_gives_the_result_from_scratch_as_a_copy(surveys, options):
    expected = _from_scratch(surveys, **options)
    again = standout_table(surveys.copy(), period=PERIOD, **options)  # from the memo
    assert len(standout._RESULTS) == 1
    _same(again, expected)
    again.data.loc[0, "difference"] = 99.0  # the caller's copy: the memo keeps its own
    _same(standout_table(surveys, period=PERIOD, **options), expected)


def test_a_changed_answer_or_argument_is_computed_again(surveys):
    standout._RESULTS.clear()
    standout_table(surveys, period=PERIOD)
    changed = surveys.copy()
    row = changed.index[(changed["quarter"] == PERIOD) & (changed["nps"] == 10)][0]
    changed.loc[row, "nps"] = 0
    got = standout_table(changed, period=PERIOD)
    assert len(standout._RESULTS) == 2
    _same(got, _from_scratch(changed))
    assert not got.data.equals(_from_scratch(surveys).data)
    other = standout_table(surveys, period=PERIOD, alpha=0.01)
    _same(other, _from_scratch(surveys, alpha=0.01))
