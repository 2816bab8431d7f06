"""A table adjusted by Holm computes each comparison at most twice: at the family's level
(for its p-value) and once more at its own Holm level (for its interval)."""

from __future__ import annotations

import importlib

import pytest

from kpitools.datasets import load_sample_data
from kpitools.reports import sections as rp

PERIOD = "2026Q3"


@pytest.fixture(scope="module")
def sample():
    return load_sample_data()


def _counting(monkeypatch, module_name):
    module = importlib.import_module(f"kpitools.reports.sections.{module_name}")
    calls = []
    real = module.compare

    def counted(*args, **kwargs):
        calls.append(kwargs.get("confidence_level"))
        return real(*args, **kwargs)
    monkeypatch.setattr(module, "compare", counted)
    return calls


def _forget(function):
    getattr(function, "cache_clear", lambda: None)()


def _check(calls, n_compared):
    """``n_compared`` comparisons at 0.95, then at most one rerun of each at its Holm level
    (above 0.95)."""
    assert calls[:n_compared] == [0.95] * n_compared
    assert 0 < len(calls) - n_compared <= n_compared
    assert all(level > 0.95 for level in calls[n_compared:])


def test_operations_table(monkeypatch, sample):
    _forget(rp.operations_table)
    calls = _counting(monkeypatch, "operations")
    table = rp.operations_table(sample.tickets, sample.calls, period=PERIOD)
    compared = int(table.data["pvalue"].notna().sum() + table.data["pvalue_year_ago"]
                   .notna().sum())
    assert compared >= 10
    _check(calls, compared)
    _forget(rp.operations_table)


@pytest.mark.parametrize(("module", "build"), [
    ("operations", lambda s: rp.channel_operations_table(s.tickets, period=PERIOD)),
    ("channels", lambda s: rp.channel_table(s.surveys, period=PERIOD))])
def test_channel_tables(monkeypatch, sample, module, build):
    calls = _counting(monkeypatch, module)
    table = build(sample)
    compared = int(table.data["pvalue"].notna().sum())
    assert compared >= 2
    _check(calls, compared)


def test_standout_table(monkeypatch, sample):
    standout = importlib.import_module("kpitools.reports.sections.standout")
    standout._RESULTS.clear()
    calls = _counting(monkeypatch, "standout")
    rp.standout_table(sample.surveys, period=PERIOD, by="team")
    first = calls.count(0.95)
    assert first >= 4
    _check(calls, first)
    standout._RESULTS.clear()
