"""The comparison contract of `kpitools.core.results`: measure, units vocabulary, scipy face."""

from __future__ import annotations

import pytest

from kpitools.core.results import (
    COMPARISON_COLUMNS,
    COMPARISON_UNITS,
    DIFFERENCE_UNITS,
    Comparison,
    KpiEstimate,
    comparison_unit,
)


def _comparison(**changes):
    fields = dict(kpi="fcr", estimate_a=60.0, estimate_b=80.0, difference=20.0, ci_low=5.0,
                  ci_high=33.0, statistic=2.6, pvalue=0.01, method="newcombe",
                  test="two_proportion_z", confidence_level=0.95, unit="percentage points",
                  n_a=80, n_b=70)
    fields.update(changes)
    return Comparison(**fields)


def test_measure_is_a_tidy_column_and_defaults_to_difference():
    c = _comparison()
    assert c.measure == "difference" and c.null_value == 0.0
    row = c.to_frame()
    assert "measure" in COMPARISON_COLUMNS
    assert row["measure"].iloc[0] == "difference"


def test_a_ratio_has_null_value_one_and_unit_ratio():
    c = _comparison(kpi="ticket_volume", difference=1.5, ci_low=1.1, ci_high=2.0,
                    unit="ratio", measure="ratio")
    assert c.null_value == 1.0
    assert c.to_frame()["measure"].iloc[0] == "ratio"
    assert " / " in repr(c) and "(ratio)" in repr(c)
    with pytest.raises(ValueError, match="unit 'ratio'"):
        _comparison(measure="ratio")
    with pytest.raises(ValueError, match="measure="):
        _comparison(measure="odds")


def test_confidence_interval_returns_the_stored_interval_and_refuses_another_level():
    c = _comparison()
    assert c.confidence_interval() == (5.0, 33.0)
    assert c.confidence_interval(0.95) == c.ci
    assert c.confidence_interval(confidence_level=0.95).low == 5.0
    with pytest.raises(ValueError, match="95% interval only.*confidence_level=0.9"):
        c.confidence_interval(0.9)
    e = KpiEstimate(kpi="fcr", estimate=60.0, ci_low=50.0, ci_high=70.0, n=80, n_excluded=0,
                    method="wilson", confidence_level=0.9, unit="%")
    assert e.confidence_interval() == (50.0, 70.0)
    with pytest.raises(ValueError, match="90% interval only"):
        e.confidence_interval(0.95)


def test_units_vocabulary():
    assert comparison_unit("%") == "percentage points"
    assert comparison_unit("points") == "points"
    assert comparison_unit("minutes") == "minutes"
    assert comparison_unit("per day", "ratio") == "ratio"
    assert set(DIFFERENCE_UNITS.values()) < COMPARISON_UNITS and "ratio" in COMPARISON_UNITS
    with pytest.raises(ValueError, match="vocabulary"):
        comparison_unit("percent")
    with pytest.raises(ValueError, match="measure"):
        comparison_unit("%", "odds")  # type: ignore[arg-type]
