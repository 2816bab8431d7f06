"""Tests of the one set-up call of the report notebooks (`kpitools.reports.setup_report`)."""

from __future__ import annotations

import ast

import nbformat
import pytest

import kpitools as kt
from kpitools import datasets
from kpitools.core.errors import DataValidationError
from kpitools.reports import ReportSetup, setup_report
from kpitools.reports import sections as rp
from kpitools.reports.runner import bundled_notebooks, find_notebook


def test_reads_the_data_resolves_the_period_and_records_provenance():
    report = setup_report(period="last-complete", today="2026-10-01",
                          parameters={"confidence_level": 0.9, "team": "Billing"})
    assert isinstance(report, ReportSetup)
    assert report.period == "2026Q3"
    assert report.data.surveys.equals(rp.load_data("").surveys)
    assert report.parameters == {"period": "last-complete", "data_dir": "", "today": "2026-10-01",
                                 "confidence_level": 0.9, "team": "Billing"}
    rows = dict(zip(report.provenance.data["item"], report.provenance.data["value"],
                    strict=True))
    assert rows["kpitools version"] == kt.__version__
    assert rows["data"] == "bundled sample data"
    assert rows["data SHA-256"] == datasets.fingerprint(datasets.DATA_DIR)
    assert rows["period reported"] == "2026Q3"
    assert rows["parameter period"] == "'last-complete'"
    assert rows["parameter team"] == "'Billing'"
    assert list(report.provenance.data["item"])[-5:] == [
        "parameter period", "parameter data_dir", "parameter today",
        "parameter confidence_level", "parameter team"]


def test_shows_as_the_provenance_table():
    report = setup_report(period="2026Q2")
    assert report.period == "2026Q2"
    assert report._repr_html_() == report.provenance._repr_html_()
    assert "Provenance of this report" in report._repr_html_()
    assert repr(report).startswith("Provenance of this report")


def test_a_data_folder_is_read_and_hashed(tmp_path):
    kt.datasets.simulate_service_data(seed=3, scale=0.1).write(tmp_path)
    report = setup_report(period="last-complete", data_dir=str(tmp_path), today="2026-10-01")
    assert len(report.data.surveys) == len(datasets.load_dataset("surveys", directory=tmp_path))
    rows = dict(zip(report.provenance.data["item"], report.provenance.data["value"],
                    strict=True))
    assert rows["data"] == str(tmp_path)
    assert rows["data SHA-256"] == datasets.fingerprint(tmp_path)


def test_bad_period_and_repeated_parameters():
    with pytest.raises(DataValidationError, match="period '2019Q1' has no data"):
        setup_report(period="2019Q1")
    with pytest.raises(TypeError, match="setup_report\\(\\) takes period as keyword arguments"):
        setup_report(period="2026Q3", parameters={"period": "2026Q2"})


@pytest.mark.parametrize("name", sorted(set(bundled_notebooks())))
def test_every_report_notebook_sets_up_with_one_call(name):
    nb = nbformat.read(find_notebook(name), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    setup_cell = code[1].source
    calls = [n.func.attr for n in ast.walk(ast.parse(setup_cell))
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    # one set-up call; the cover (issue 10) is the first output, the provenance an appendix
    assert calls[0] == "setup_report" and set(calls) <= {"setup_report", "report_cover"}, \
        setup_cell
    assert setup_cell.rstrip().endswith(("\nreport", ")"))
    if "report_cover" in calls:
        assert code[-1].source.strip() == "report.provenance", name
    # every parameter of the notebook is recorded in the provenance
    params = [line.split(":")[0] for line in code[0].source.splitlines()]
    assert all(p in setup_cell for p in params), (params, setup_cell)
    # nothing else loads data or resolves the period
    body = "\n".join(c.source for c in code[2:])
    assert "load_data" not in body and "resolve_period" not in body
