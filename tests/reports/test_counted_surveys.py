"""Every survey section gives the same report from counted answers as from the answers.

A report reads its surveys as counts (`count_answers`: one row per distinct answer with
its number; counted by DuckDB for a Parquet folder). These tests run each section on the
rows and on their counts — a messy copy of the sample data (answers without a team or a
channel, missing scores, dates with times, answers without a date), a copy with repeated
answers, the real extracts in ``examples/``, random small tables — and require the same
tables (numbers to 1e-9, every displayed string), the same notes and the same figures.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kpitools.datasets import load_sample_data
from kpitools.reports import sections as rp
from kpitools.reports.sections.common import ReportFigure, ReportNote, ReportTable
from kpitools.tables.schema import ANSWER_COUNT

TARGETS = {"nps": 30.0, "csat": 75.0, "ces": 5.0}


def _messy(data: Any) -> Any:
    """The sample data with the gaps a real export has."""
    s = data.surveys.copy()
    rng = np.random.default_rng(11)
    n = len(s)
    for col, share in (("team", 0.02), ("channel", 0.03), ("nps", 0.1), ("csat", 0.2),
                       ("ces", 0.3)):
        s.loc[rng.random(n) < share, col] = None
    # times of day: the counted table keeps the day only
    s["date"] = s["date"] + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s")
    s.loc[rng.random(n) < 0.01, "date"] = pd.NaT  # a quarter label without a date
    return dataclasses.replace(data, surveys=s)


def _counted(data: Any) -> Any:
    return dataclasses.replace(data, surveys=rp.count_answers(data.surveys))


def _repeated(data: Any) -> Any:
    """The sample data with half its answers given twice more: counts of 1 to 3."""
    s = data.surveys
    again = s.sample(frac=0.5, random_state=3)
    return dataclasses.replace(data, surveys=pd.concat([s, again, again.sample(frac=0.5,
                                                                               random_state=4)],
                                                       ignore_index=True))


_PAIRS: dict[str, tuple[Any, Any]] = {}


def _pair(kind: str) -> tuple[Any, Any]:
    """The sample data made messy, or with repeated answers (both keep every sample row's
    kind; the sample data as they are go through the counted path in every report test),
    and their counts; made once per process."""
    if kind not in _PAIRS:
        data = load_sample_data()
        data = _messy(data) if kind == "messy" else _repeated(data)
        _PAIRS[kind] = (data, _counted(data))
    return _PAIRS[kind]


def _same(a: Any, b: Any, where: str = "") -> None:
    assert type(a) is type(b), where
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9,
                                      check_dtype=False, obj=where)
        return
    if isinstance(a, ReportFigure):
        assert a.caption == b.caption and a.absent == b.absent, where
        drawn_a, drawn_b = _drawn(a.figure), _drawn(b.figure)
        assert len(drawn_a) == len(drawn_b), where
        for x, y in zip(drawn_a, drawn_b, strict=True):
            if isinstance(x, np.ndarray):
                np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9, err_msg=where)
            else:
                assert x == y, where
        return
    if isinstance(a, ReportNote):
        assert a.text == b.text, where
        return
    if isinstance(a, ReportTable):
        _same(a.data, b.data, f"{where}.data")
        _same(a.display, b.display, f"{where}.display")
        assert (a.caption, a.notes, a.absent) == (b.caption, b.notes, b.absent), where
        return
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
        return
    if isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
        return
    assert a == b, where


def _drawn(figure: Any) -> list[Any]:
    """What a figure shows: every line's and every filled area's points, every bar, every
    text (tick labels, titles, annotations), axis by axis."""
    out: list[Any] = []
    for ax in figure.axes:
        out += [np.asarray(line.get_xydata(), dtype=float) for line in ax.get_lines()]
        for collection in ax.collections:
            out += [np.asarray(path.vertices, dtype=float) for path in collection.get_paths()]
        out += [np.array([p.get_x(), p.get_y(), p.get_width(), p.get_height()], dtype=float)
                for p in ax.patches]
        out += [t.get_text() for t in ax.texts]
        out += [t.get_text() for t in (*ax.get_xticklabels(), *ax.get_yticklabels())]
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(),
                np.asarray([*ax.get_xlim(), *ax.get_ylim()], dtype=float)]
    return out


def _sections(data: Any, period: str) -> dict[str, Any]:
    s = data.surveys
    kw = {"period": period, "confidence_level": 0.95}
    out = {
        "headline": rp.headline_table(s, targets=TARGETS, **kw),
        "headline team": rp.headline_table(s, team="Billing", **kw),
        "trend": rp.kpi_trend_figure(s, targets=TARGETS, **kw),
        "control": rp.csat_control_chart(s, period=period),
        "standout team": rp.standout_table(s, by="team", **kw),
        "standout channel": rp.standout_table(s, by="channel", **kw),
        "standout ces": rp.standout_table(s, by="team", kpi="ces", **kw),
        "league": rp.team_league_table(s, **kw),
        "forest": rp.team_forest_figure(s, **kw),
        "distribution": rp.nps_distribution_figure(s, period=period, by="team"),
        "channels": rp.channel_table(s, **kw),
        "summary": rp.executive_summary(data, targets=TARGETS, **kw),
        "team summary": rp.team_summary(data, team="Billing", targets=TARGETS, **kw),
        "cover": rp.describe_data(data, period=period),
    }
    if period.count("Q"):
        out["competitors"] = rp.competitor_table(s, data.competitor_surveys,
                                                 data.competitor_published, **kw)
        out["competitor trend"] = rp.competitor_trend_table(
            s, data.competitor_surveys, data.competitor_published, **kw)
        out["competitor summary"] = rp.competitor_summary(data, **kw)
    return out


@pytest.mark.parametrize(("kind", "period"), [("messy", "2026Q3"), ("messy", "2026-08"),
                                              ("messy", "2026-W30"), ("repeated", "2026Q3")])
def test_every_survey_section_is_the_same_from_counts(kind, period):
    rows, counted = _pair(kind)
    assert ANSWER_COUNT in counted.surveys.columns
    assert counted.surveys[ANSWER_COUNT].sum() == len(rows.surveys)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small samples are said in the tables themselves
        want = _sections(rows, period)
        got = _sections(counted, period)
    assert want.keys() == got.keys()
    for name in want:
        _same(want[name], got[name], name)
    assert not isinstance(want["league"], ReportNote)  # the tables were made, not notes


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(("folder", "period"), [("airline_survey", "2023Q2"),
                                                ("pwc_call_centre", "2021Q1")])
def test_real_survey_exports_give_the_same_sections_from_counts(folder, period):
    """Real exports (extracts with their SOURCE.md): the airline survey (one quarter, CSAT
    only, a travel class as team) and the PwC call centre (surveys from a call sheet)."""
    rows = rp.load_data(EXAMPLES / folder)
    counted = rp.load_data(EXAMPLES / folder, identifiers=False, counted=True)
    assert counted.surveys[ANSWER_COUNT].sum() == len(rows.surveys)
    assert len(counted.surveys) < len(rows.surveys)  # real answers repeat
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, got = _sections(rows, period), _sections(counted, period)
    for name in want:
        _same(want[name], got[name], name)


def test_the_counted_table_is_smaller_when_answers_repeat():
    rows = load_sample_data().surveys
    repeated = pd.concat([rows] * 5, ignore_index=True)
    counted = rp.count_answers(repeated)
    assert len(counted) == len(rp.count_answers(rows))
    assert counted[ANSWER_COUNT].sum() == len(repeated)
    assert (counted[ANSWER_COUNT] % 5 == 0).all()


def test_parquet_folder_is_counted_by_duckdb_as_pandas_counts(tmp_path):
    data = _messy(load_sample_data())
    data.surveys.to_parquet(tmp_path / "surveys.parquet")
    data.tickets.to_parquet(tmp_path / "tickets.parquet")
    from_duckdb = rp.load_data(tmp_path, identifiers=False, counted=True)
    assert "response_id" not in from_duckdb.surveys.columns
    keys = [c for c in from_duckdb.surveys.columns if c != ANSWER_COUNT]
    pandas_counts = rp.count_answers(rp.load_data(tmp_path).surveys)

    def ordered(frame: pd.DataFrame) -> pd.DataFrame:
        text = frame.astype({c: object for c in keys})
        return text.sort_values(keys, na_position="last", kind="stable",
                                key=lambda v: v.astype(str)).reset_index(drop=True)

    pd.testing.assert_frame_equal(ordered(from_duckdb.surveys), ordered(pandas_counts),
                                  check_dtype=False)
    # and a report section from the DuckDB counts equals the one from the rows
    rows = rp.load_data(tmp_path)
    _same(rp.headline_table(rows.surveys, period="2026Q3"),
          rp.headline_table(from_duckdb.surveys, period="2026Q3"), "headline")
    pd.testing.assert_frame_equal(from_duckdb.tickets, rows.tickets.drop(columns=["customer_id"]))


def test_setup_report_counts_on_request():
    report = rp.setup_report(period="2026Q3", counted=True)
    assert ANSWER_COUNT in report.data.surveys.columns
    assert "response_id" not in report.data.surveys.columns
    plain = rp.setup_report(period="2026Q3")
    assert ANSWER_COUNT not in plain.data.surveys.columns
    assert report.data.surveys[ANSWER_COUNT].sum() == len(plain.data.surveys)


def _random_surveys(draw: Any) -> pd.DataFrame:
    """Small survey tables with the gaps and repeats real exports have."""
    from hypothesis import strategies as st

    n = draw(st.integers(0, 60))
    quarters = ["2025Q2", "2026Q2", "2026Q3"]
    rows = []
    for _ in range(n):
        q = draw(st.sampled_from(quarters))
        start = pd.Period(q, freq="Q").start_time
        rows.append({
            "team": draw(st.sampled_from(["A", "B", "C", None])),
            "channel": draw(st.sampled_from(["chat", "email", None])),
            "quarter": q,
            "date": draw(st.sampled_from([start + pd.Timedelta(days=d, hours=h)
                                          for d in (0, 40, 85) for h in (0, 13)] + [pd.NaT])),
            "nps": draw(st.sampled_from([0.0, 6.0, 7.0, 9.0, 10.0, np.nan])),
            "csat": draw(st.sampled_from([1.0, 3.0, 4.0, 5.0, np.nan])),
            "ces": draw(st.sampled_from([1.0, 4.0, 6.0, 7.0, np.nan]))})
    frame = pd.DataFrame(rows, columns=["team", "channel", "quarter", "date", "nps", "csat",
                                        "ces"])
    repeat = draw(st.lists(st.integers(1, 3), min_size=len(frame), max_size=len(frame)))
    return frame.loc[frame.index.repeat(repeat)].reset_index(drop=True).astype(
        {"date": "datetime64[us]"})


def test_random_survey_tables_give_the_same_sections_from_counts():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=15, deadline=None)
    @given(st.data(), st.sampled_from(["2026Q3", "2026-08"]))
    def check(data_strategy: Any, period: str) -> None:
        surveys = data_strategy.draw(st.composite(_random_surveys)())
        counted = rp.count_answers(surveys)
        assert counted[ANSWER_COUNT].sum() == len(surveys)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for make in (
                    lambda s: rp.headline_table(s, period=period, targets=TARGETS),
                    lambda s: rp.standout_table(s, period=period, by="team"),
                    lambda s: rp.standout_table(s, period=period, by="channel", kpi="ces"),
                    lambda s: rp.team_league_table(s, period=period),
                    lambda s: rp.channel_table(s, period=period)):
                _same(make(surveys), make(counted), "section")

    check()
