"""A report keeps only the tickets and calls of the periods it reads (``report_rows=True``):
read as such by DuckDB from a Parquet folder or .duckdb file, the same sections as from
every row, and the same words for "none in this period" and "none in the folder"."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from warehouse_stores import duckdb_file, parquet_folder

from kpitools.datasets import load_sample_data
from kpitools.engines.warehouse import EVENT_DATES, read_warehouse
from kpitools.reports import sections as rp
from kpitools.reports.sections.common import date_period_codes, period_kind
from kpitools.tables.windows import OUTSIDE, in_folder, period_ranges, presence_patterns

PERIODS = ("2026Q3", "2026-08", "2026-W30")


def _store(root, tables, kind):
    return (parquet_folder(root, tables) if kind == "parquet"
            else duckdb_file(root.with_suffix(".duckdb"), tables))


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    root = tmp_path_factory.mktemp("report-rows")
    tables = load_sample_data().tables()
    return {kind: _store(root / kind, tables, kind) for kind in ("parquet", "duckdb")}


def _rows_of(frame, column, periods):
    codes = date_period_codes(frame[column], period_kind(periods[0]), periods)
    inside = (codes >= 0) | frame[column].isna().to_numpy()
    return frame[inside].reset_index(drop=True), frame[~inside]


@pytest.mark.parametrize("kind", ["parquet", "duckdb"])
@pytest.mark.parametrize("period", PERIODS)
def test_the_rows_read_are_those_of_the_periods(stores, kind, period):
    periods = rp.report_periods(period)
    full = read_warehouse(stores[kind], identifiers=False)
    kept = read_warehouse(stores[kind], identifiers=False, within=period_ranges(periods))
    for name, column in EVENT_DATES.items():
        want, rest = _rows_of(getattr(full.tables, name), column, periods)
        got = getattr(kept.tables, name)
        assert 0 < len(got) < len(getattr(full.tables, name))
        pd.testing.assert_frame_equal(got, want, obj=name)  # dtypes and categories too
        outside, want_outside = got.attrs[OUTSIDE], presence_patterns(rest, column)
        assert outside.columns == want_outside.columns
        assert set(outside.patterns) == set(want_outside.patterns)
        assert (outside.rows, outside.first, outside.last) == (
            len(rest), rest[column].min(), rest[column].max())
    pd.testing.assert_frame_equal(kept.tables.quality, full.tables.quality)  # whole tables


@pytest.mark.parametrize("kind", ["parquet", "duckdb"])
def test_days_are_the_distinct_teams_and_days(stores, kind):
    full = read_warehouse(stores[kind]).tables
    days = read_warehouse(stores[kind], days=True).tables
    # what `kpitools validate` reads: every problem of the whole read, no row in pandas
    least = read_warehouse(stores[kind], identifiers=False, counted=True, days=True).tables
    pd.testing.assert_frame_equal(least.quality, full.quality)
    for name, column in EVENT_DATES.items():
        rows = getattr(full, name)
        want = (pd.DataFrame({"team": rows["team"].astype(object),
                              column: rows[column].dt.normalize()})
                .drop_duplicates().sort_values(["team", column]).reset_index(drop=True))
        got = getattr(days, name)
        assert list(got.columns) == ["team", column]
        got = got.assign(team=got["team"].astype(object)).sort_values(["team", column])
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)


def test_the_least_read_finds_every_problem(tmp_path):
    """Surveys counted, tickets and calls as days, no identifiers (`kpitools validate`, the
    command's check): the same problems, rows and values as the whole read."""
    sample = load_sample_data()
    surveys = sample.surveys.copy()
    surveys["nps"] = surveys["nps"].astype("float64")
    surveys.loc[surveys.index[:3], "nps"] = 11.0
    tickets = sample.tickets.astype({"created_at": object, "customer_id": object})
    tickets.loc[tickets.index[5:7], "created_at"] = "not a date"
    tickets.loc[tickets.index[8], "customer_id"] = None
    calls = sample.calls.copy()
    calls.loc[calls.index[:4], "wait_seconds"] = -5.0
    folder = parquet_folder(tmp_path / "store", {**sample.tables(), "surveys": surveys,
                                                 "tickets": tickets.astype({"created_at": str}),
                                                 "calls": calls})
    whole = read_warehouse(folder)
    least = read_warehouse(folder, identifiers=False, counted=True, days=True)
    assert len(whole.warnings) >= 3
    pd.testing.assert_frame_equal(least.tables.quality, whole.tables.quality)
    pd.testing.assert_frame_equal(least.errors, whole.errors)


def _sections(data, period, team, summary=True):
    """The sections that read tickets or calls (the summaries: the operations tiles)."""
    parts = [rp.operations_table(data.tickets, data.calls, period=period, team=team,
                                 calls_summary=data.calls_summary),
             rp.channel_operations_table(data.tickets, period=period, team=team),
             rp.volume_heatmap_figure(data.tickets, calls=data.calls, period=period,
                                      team=team)]
    if summary:
        parts.append(rp.executive_summary(data, period=period) if team is None
                     else rp.team_summary(data, team=team, period=period))
    return [p._repr_html_() for p in parts]


@pytest.mark.filterwarnings("ignore::kpitools.core.errors.SmallSampleWarning")
@pytest.mark.parametrize(("source", "period"), [
    ("csv", "last-complete"), ("parquet", "last-complete"), ("parquet", "2026-08"),
    ("duckdb", "2026-W30")])
def test_sections_are_the_same_from_the_rows_of_the_periods(stores, source, period):
    where = "" if source == "csv" else stores[source]
    whole = rp.setup_report(period=period, data_dir=where, today="2026-11-29",
                            identifiers=False, counted=True)
    kept = rp.setup_report(period=period, data_dir=where, today="2026-11-29",
                           identifiers=False, counted=True, report_rows=True)
    assert kept.period == whole.period
    assert len(kept.data.tickets) < len(whole.data.tickets)
    summary = period == "last-complete"  # the summaries once per source (the slow part)
    for team in (None, "Onboarding"):
        assert _sections(kept.data, kept.period, team, summary) == _sections(
            whole.data, whole.period, team, summary)
    # the cover and the appendix describe the whole tables
    assert rp.describe_data(kept.data, data_dir=where, period=kept.period) == rp.describe_data(
        whole.data, data_dir=where, period=whole.period)
    assert (rp.data_quality_table(kept.data)._repr_html_()
            == rp.data_quality_table(whole.data)._repr_html_())


@pytest.mark.parametrize("source", ["memory", "parquet"])
def test_none_in_the_period_is_told_from_none_in_the_folder(tmp_path, source):
    """Calls only in 2025Q1 and tickets of one team only then: reported for 2026Q3, the
    folder still has them (the rows left out say so), so the lines name the period."""
    sample = load_sample_data()
    calls, tickets = sample.calls, sample.tickets
    changed = {"calls": calls[calls["offered_at"].dt.to_period("Q").astype(str) == "2025Q1"],
               "tickets": tickets[(tickets["team"] != "Billing") | (
                   tickets["created_at"].dt.to_period("Q").astype(str) == "2025Q1")]}
    if source == "memory":
        whole = dataclasses.replace(sample, **changed)
        kept = rp.keep_report_periods(whole, "2026Q3")
    else:
        folder = _store(tmp_path / "store", {**sample.tables(), **changed}, "parquet")
        whole = rp.setup_report(period="2026Q3", data_dir=folder, identifiers=False,
                                counted=True).data
        kept = rp.setup_report(period="2026Q3", data_dir=folder, identifiers=False,
                               counted=True, report_rows=True).data
    assert not len(kept.calls)
    assert in_folder(kept.calls, len)
    for team in (None, "Billing"):
        assert _sections(kept, "2026Q3", team) == _sections(whole, "2026Q3", team)
    ops = rp.operations_table(kept.tickets, kept.calls, period="2026Q3")
    assert "No calls in 2026Q3" in ops._repr_html_()
    heat = rp.volume_heatmap_figure(kept.tickets, calls=kept.calls, period="2026Q3",
                                    team="Billing")
    assert "No tickets from team Billing in 2026Q3" in heat._repr_html_()
    assert "No calls from team Billing in 2026Q3" in heat._repr_html_()
    channel = rp.channel_operations_table(kept.tickets, period="2026Q3", team="Billing")
    assert "in 2026Q3" in channel._repr_html_()
    assert "in this folder" not in channel._repr_html_()


def test_the_command_line_check_reads_days_not_rows(stores):
    """Before any kernel starts, the command reads what it needs of a store: surveys
    counted, tickets and calls as teams and days; the period and teams come out the same."""
    from kpitools.cli import _check_data, _resolve_period

    tables = _check_data(stores["parquet"])
    whole = rp.load_data(stores["parquet"])
    assert list(tables.tickets.columns) == ["team", "created_at"]
    assert len(tables.tickets) < len(whole.tickets) / 2
    assert "answers" in tables.surveys.columns
    assert _resolve_period("last-complete", tables) == _resolve_period("last-complete", whole)
    for name in ("tickets", "calls"):
        assert set(getattr(tables, name)["team"].dropna()) == set(
            getattr(whole, name)["team"].dropna())
