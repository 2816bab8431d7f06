"""Interpretation bands and targets."""

from kpitools.kpis.targets import Band, Target, interpret


def test_default_nps_bands():
    assert interpret("nps", -5) == "very bad"
    assert interpret("nps", 0) == "fine but not satisfying"
    assert interpret("nps", 50) == "strong loyalty"
    assert interpret("nps", 100) == "near perfect"
    assert interpret("csat", 81) == "very good"
    assert interpret("frt", 10) == ""


def test_custom_bands_and_targets():
    bands = (Band(0, 30, "low"), Band(30, 101, "ok"))
    assert interpret("nps", 31, bands) == "ok"
    t = Target("csat", 80.0)
    assert t.status(80.0) == "met" and t.status(79.9) == "missed"
    assert t.status_ci(81, 90) == "met" and t.status_ci(70, 79) == "missed"
    assert t.status_ci(75, 85) == "unclear"
    lower = Target("frt_median", 60.0, higher_is_better=False)
    assert lower.status(61) == "missed" and lower.status_ci(30, 59) == "met"
