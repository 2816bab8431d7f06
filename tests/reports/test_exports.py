"""Tables people can reuse and read: report tables carry their raw numbers beside the HTML
(``application/vnd.kpitools.table+json``), ``--format xlsx`` and ``--format csv`` write them;
`format_table` formats any tidy frame like the quarterly report's tables; figures are SVG."""

import csv
import math
import re

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from IPython.core.formatters import DisplayFormatter  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from nbformat.v4 import new_code_cell, new_notebook, new_output  # noqa: E402

from kpitools.cli import cli  # noqa: E402
from kpitools.datasets.simulate import simulate_service_data  # noqa: E402
from kpitools.reports import sections as rp  # noqa: E402
from kpitools.reports.formatting import format_p, format_table, show_figure  # noqa: E402
from kpitools.reports.runner import (  # noqa: E402
    FORMATS,
    TABLE_MIME,
    collect_tables,
    sheet_names,
    table_bundle,
    write_csv,
    write_xlsx,
)

PERIOD = "2026Q3"


def _table(frame, caption="T", notes=()):
    return rp.ReportTable(data=frame, display=frame.astype(str), caption=caption,
                          notes=list(notes))


@pytest.fixture
def frame():
    return pd.DataFrame({
        "team": ["Billing", "Returns & Co", None],
        "estimate": [12.3456789, -4.0, np.nan],
        "ci_low": [2.5, -14.25, np.nan], "ci_high": [22.1, 6.0, np.nan],
        "pvalue": [4.426228e-07, 0.34412, np.nan],
        "n": np.array([1200, 80, 0], dtype="int64"),
        "significant": [True, False, False],
        "ratio": [1.0, np.inf, -np.inf],
        "day": pd.to_datetime(["2026-07-01", "2026-08-01", None]),
    })


# --------------------------------------------------------------------------------------
# The raw numbers travel with each table


def test_bundle_keeps_numbers_as_json_numbers_and_missing_as_null(frame):
    payload = table_bundle([_table(frame, "NPS", ["a note"])])[TABLE_MIME]["tables"][0]
    assert payload["caption"] == "NPS" and payload["notes"] == ["a note"]
    assert payload["columns"] == list(frame.columns)
    assert payload["kinds"] == ["text", "number", "number", "number", "number", "number",
                                "bool", "number", "datetime"]
    first, second, third = payload["rows"]
    assert first[1] == 12.3456789 and isinstance(first[5], int) and first[6] is True
    assert first[4] == 4.426228e-07  # unrounded
    assert second[7] == "inf" and third[7] == "-inf"  # JSON has no infinity
    assert third[0] is None and third[1] is None and third[8] is None
    assert first[8] == "2026-07-01T00:00:00"


def test_bundle_keeps_a_named_index_and_makes_column_names_unique():
    indexed = pd.DataFrame({"x": [1.0]}, index=pd.Index(["a"], name="team"))
    twice = pd.DataFrame([[1, 2]], columns=["n", "n"])
    tables = table_bundle([_table(indexed), _table(twice)])[TABLE_MIME]["tables"]
    assert tables[0]["columns"] == ["team", "x"] and tables[0]["rows"] == [["a", 1.0]]
    assert tables[1]["columns"] == ["n", "n_2"]


def test_a_displayed_report_table_emits_its_numbers_beside_the_html(frame):
    table = _table(frame)
    data, _ = DisplayFormatter().format(table)
    assert "text/html" in data and "text/plain" in data
    assert data[TABLE_MIME]["tables"][0]["rows"][0][1] == 12.3456789


def test_a_section_emits_the_tables_it_shows_and_no_figure(frame):
    fig = Figure()
    fig.subplots()
    shown = rp.section(_table(frame, "one"), rp.ReportFigure(fig, caption="f"),
                       rp.ReportNote("No CES answers in this folder."), _table(frame, "two"))
    data, _ = DisplayFormatter().format(shown)
    assert [t["caption"] for t in data[TABLE_MIME]["tables"]] == ["one", "two"]


def test_collect_tables_reads_every_table_output_in_order(frame):
    bundle = table_bundle([_table(frame, "first")])
    nb = new_notebook(cells=[
        new_code_cell("x", outputs=[new_output("display_data", data={
            "text/plain": "x", **bundle})]),
        new_code_cell("y", outputs=[new_output("stream", text="hello")]),
        new_code_cell("z", outputs=[new_output("execute_result", execution_count=1, data={
            "text/plain": "z", **table_bundle([_table(frame, "second"), _table(frame, "third")])
        })]),
    ])
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)  # as stored on disk
    found = collect_tables(nb)
    assert [(t["caption"], t["cell"]) for t in found] == [("first", 0), ("second", 2),
                                                          ("third", 2)]


# --------------------------------------------------------------------------------------
# Excel and CSV


def test_sheet_names_are_short_unique_and_valid():
    captions = ["NPS by team, 2026Q3 (Holm-adjusted) with a very long caption"] * 3 + [
        "a/b [c]: d*e?f\\g", "", "README", "'quoted'", "History", "nps by team"]
    names = sheet_names(captions)
    assert all(1 <= len(n) <= 31 for n in names)
    assert len({n.lower() for n in names} | {"readme"}) == len(names) + 1
    assert not any(re.search(r"[\[\]:*?/\\]", n) for n in names)
    assert names[4] == "Table 5" and names[5] == "README (2)" and names[6] == "quoted"
    assert names[7] != "History"


def test_workbook_has_a_readme_and_one_sheet_of_real_numbers_per_table(frame, tmp_path):
    tables = table_bundle([_table(frame, "NPS by team"), _table(frame.head(1), "NPS by team")]
                          )[TABLE_MIME]["tables"]
    path = tmp_path / "t.xlsx"
    path.write_bytes(write_xlsx(tables, about={"report": "Quarterly", "parameters": {
        "period": PERIOD, "data_dir": ""}}))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["README", "NPS by team", "NPS by team (2)"]
    readme = [r for r in book["README"].iter_rows(values_only=True)]
    assert ("parameter period", PERIOD, None, None) in readme
    assert ("NPS by team (2)", "NPS by team", 1, None) in readme
    sheet = book["NPS by team"]
    assert [c.value for c in sheet[1]] == list(frame.columns)
    row = [c.value for c in sheet[2]]
    assert row[1] == 12.3456789 and sheet.cell(2, 2).data_type == "n"
    assert row[2] == 2.5 and row[3] == 22.1  # the interval columns
    assert row[4] == 4.426228e-07 and row[5] == 1200 and row[6] is True
    assert sheet.cell(2, 9).is_date and row[8].year == 2026
    assert sheet.cell(4, 2).value is None  # missing: an empty cell, not "nan"


def test_csv_folder_has_a_readme_and_one_file_per_table_and_replaces_an_old_one(frame,
                                                                               tmp_path):
    tables = table_bundle([_table(frame, "NPS by team"), _table(frame, "Channels")]
                          )[TABLE_MIME]["tables"]
    folder = tmp_path / "quarterly-tables"
    folder.mkdir()
    (folder / "stale.csv").write_text("old")
    write_csv(tables, folder, about={"report": "Quarterly"})
    assert sorted(p.name for p in folder.iterdir()) == [
        "01-nps-by-team.csv", "02-channels.csv", "README.csv"]
    with open(folder / "01-nps-by-team.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(frame.columns)
    assert float(rows[1][1]) == 12.3456789 and rows[3][1] == ""
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_xlsx_and_csv_are_formats():
    assert {"xlsx", "csv"} <= set(FORMATS)


# --------------------------------------------------------------------------------------
# Tables formatted like the quarterly report's


def test_format_table_formats_p_values_intervals_and_numbers(frame):
    table = format_table(frame, caption="NPS by team")
    shown = table.display
    assert list(shown.columns) == ["Team", "Estimate", "CI", "p", "n", "Significant", "Ratio",
                                   "Day"]
    assert shown["p"].tolist() == ["&lt; 0.001", "0.344", "–"]
    assert shown["CI"].tolist() == ["[2.50, 22.10]", "[-14.25, 6.00]", "–"]
    assert shown["Estimate"].tolist() == ["12.35", "-4.00", "–"]
    assert shown["n"].tolist() == ["1,200", "80", "0"]
    assert shown["Team"].tolist() == ["Billing", "Returns &amp; Co", "–"]
    assert shown["Day"].tolist()[0] == "2026-07-01"
    pd.testing.assert_frame_equal(table.data, frame)  # the raw numbers stay as they were


def test_format_table_moves_constant_method_columns_to_a_note():
    frame = pd.DataFrame({"group": ["a", "b"], "estimate": [0.5, 0.25], "ci_low": [0.1, 0.0],
                          "ci_high": [0.9, 0.5], "confidence_level": 0.9, "method": "wilson",
                          "unit": ["%", "points"]})
    table = format_table(frame)
    assert "90% CI" in table.display.columns
    assert "Method" not in table.display.columns and "Unit" in table.display.columns
    assert table.notes == ["90% confidence; method: wilson."]


def test_format_table_takes_a_result_and_lists_one_wide_row(frame):
    import kpitools as kt

    result = kt.compare_nps([10, 9, 9, 3, 7, 10, 2, 9, 10, 6] * 3, [9, 10, 10, 10, 9, 6, 10, 8] * 3)
    table = format_table(result, caption="NPS change")
    assert table.data.equals(result.to_frame())
    rendered = table.to_html()
    assert not re.search(r"\d\.\d{4,}|\de-\d", rendered)
    assert len(table.display.columns) <= 8


@pytest.mark.parametrize(("p", "text"), [(4.426228e-07, "< 0.001"), (0.001, "0.001"),
                                         (0.04449, "0.044"), (1.0, "1.000")])
def test_format_p(p, text):
    assert format_p(p) == text


def test_no_e_notation_or_long_decimals_in_any_cell():
    values = [1e-9, 4.426228e-07, 0.000123456, 0.0123456, 1.23456, 123456.789, 1e12, -0.5]
    table = format_table(pd.DataFrame({"x": values, "y": values[::-1]}))
    for cell in table.display.to_numpy().ravel():
        assert not re.search(r"\de[-+]?\d", cell), cell
        assert not re.search(r"\.\d{5,}", cell), cell


# --------------------------------------------------------------------------------------
# Figures are vector images


def test_report_figures_are_svg_with_text_as_text():
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title("Returns & Co")
    page = rp.ReportFigure(fig, caption="c")._repr_html_()
    assert 'src="data:image/svg+xml;base64,' in page and "image/png" not in page
    svg = rp.ReportFigure(fig).to_svg().decode()
    # text is text (selectable and searchable in the PDF, a smaller SVG), escaped as XML
    assert "Returns &amp; Co</text>" in svg and "font-family: 'DejaVu Sans'" in svg
    assert rp.ReportFigure(fig).to_svg() == rp.ReportFigure(fig).to_svg()  # reproducible
    png = rp.ReportFigure(fig, image_format="png")._repr_html_()
    assert 'src="data:image/png;base64,' in png


def test_show_figure_closes_the_pyplot_figure():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    shown = show_figure(ax, "a plot")
    assert shown.figure is fig and not plt.fignum_exists(fig.number)


def test_trend_figure_draws_each_target():
    surveys = simulate_service_data(seed=3, scale=0.1).surveys
    fig = rp.kpi_trend_figure(surveys, period=PERIOD, targets={"nps": 30.0, "csat": 75.0})
    texts = [[t.get_text() for t in ax.texts] for ax in fig.figure.axes]
    assert texts[:3] == [["target 30"], ["target 75"], []]


# --------------------------------------------------------------------------------------
# End to end (notebooks)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    simulate_service_data(seed=5, scale=0.25).write(folder)
    return folder


def _page_text(page):
    """The visible text of a report page (no embedded images, styles or tags)."""
    text = re.sub(r"<img[^>]*>|<svg.*?</svg>|<style.*?</style>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", text)


def _assert_formatted(page):
    text = _page_text(page)
    assert not re.search(r"\d\.\d{5,}", text), re.search(r".{40}\d\.\d{5,}.{20}", text)
    assert not re.search(r"\de[-+]\d\d", text), re.search(r".{40}\de[-+]\d\d.{20}", text)
    assert not re.search(r"\bnan\b|\bNaN\b", text)


def _nps_by_hand(data_dir, period):
    surveys = pd.read_csv(next(data_dir.glob("surveys.csv*")))
    scores = surveys.loc[surveys["quarter"] == period, "nps"].dropna()
    return 100 * (float((scores >= 9).mean()) - float((scores <= 6).mean()))


@pytest.mark.notebook
def test_quarterly_report_as_a_workbook_and_csv_folder(data_dir, tmp_path):
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["report", "quarterly", "--data", str(data_dir),
                                      "--period", PERIOD, "--format", "html,xlsx,csv",
                                      "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out / PERIOD / "quarterly.xlsx")
    assert book.sheetnames[0] == "README" and len(book.sheetnames) >= 6
    assert all(len(n) <= 31 for n in book.sheetnames)
    assert len({n.lower() for n in book.sheetnames}) == len(book.sheetnames)
    interval_sheets = 0
    numbers = []
    for sheet in book.worksheets[1:]:
        header = [c.value for c in sheet[1]]
        if {"ci_low", "ci_high"} <= set(header):
            interval_sheets += 1
        for name in ("estimate", "ci_low", "ci_high", "pvalue", "n"):
            if name in header:
                col = header.index(name) + 1
                cells = [sheet.cell(r, col) for r in range(2, sheet.max_row + 1)]
                assert all(c.value is None or c.data_type == "n" for c in cells), (
                    sheet.title, name, [c.value for c in cells])
                numbers += [c.value for c in cells if isinstance(c.value, float)]
    assert interval_sheets >= 2
    nps = _nps_by_hand(data_dir, PERIOD)  # independent of kpitools: plain pandas
    assert any(math.isclose(v, nps, rel_tol=0, abs_tol=1e-9) for v in numbers), nps
    _assert_formatted((out / PERIOD / "quarterly.html").read_text(encoding="utf-8"))
    folder = out / PERIOD / "quarterly-tables"
    files = sorted(p.name for p in folder.iterdir())
    assert "README.csv" in files and len(files) == len(book.sheetnames)


@pytest.mark.notebook
def test_explore_goes_under_the_quarter_and_its_tables_are_formatted(data_dir, tmp_path):
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["report", "run", "explore", "-p", f"data_dir={data_dir}",
                                      "-p", "today=2026-11-29", "--format", "html,xlsx",
                                      "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert (out / PERIOD / "explore.html").exists()  # not reports/last-complete/
    assert not (out / "last-complete").exists()
    page = (out / PERIOD / "explore.html").read_text(encoding="utf-8")
    _assert_formatted(page)  # no 6-decimal floats, no 4.426228e-07
    assert re.search(r"\[-?[\d.,]+, -?[\d.,]+\]", _page_text(page))  # intervals as [a, b]
    book = openpyxl.load_workbook(out / PERIOD / "explore.xlsx")
    nps_sheet = next(s for s in book.worksheets if s.title.startswith("NPS by team"))
    header = [c.value for c in nps_sheet[1]]
    assert {"team", "estimate", "ci_low", "ci_high"} <= set(header)


@pytest.mark.notebook
@pytest.mark.parametrize(("notebook", "parameters"), [
    ("team_report", {"team": "Onboarding"}), ("competitor_benchmark", {})])
def test_team_and_competitor_tables_are_formatted_and_exported(notebook, parameters, data_dir,
                                                               tmp_path):
    from kpitools.reports.runner import run_report

    result = run_report(notebook, {"period": PERIOD, "data_dir": str(data_dir), **parameters},
                        tmp_path, formats="html,xlsx")
    _assert_formatted(result.html.read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(result.outputs["xlsx"])
    assert book.sheetnames[0] == "README" and len(book.sheetnames) >= 3


def test_long_numeric_headers_may_wrap_instead_of_widening_the_table():
    # td.num and th.num are nowrap in the print CSS; a header such as "NPS vs 2026Q2
    # [adjusted CI]" pushed the team report's channel table past the right margin
    frame = pd.DataFrame({"NPS vs 2026Q2 [adjusted CI]": ["+27.3 [-4.6, 55.1]"]})
    table = rp.ReportTable(data=frame, display=frame, numeric=list(frame.columns))
    head = re.search(r"<th[^>]*>NPS vs 2026Q2", table.to_html()).group(0)
    assert 'class="num"' in head and "white-space:normal" in head


def test_a_single_test_shows_neither_an_adjusted_p_value_nor_its_method():
    frame = pd.DataFrame({"difference": [2.6], "pvalue": [0.344], "pvalue_adjusted": [0.344],
                          "p_adjust_method": ["holm"], "p_adjust_scope": ["table"]})
    table = format_table(frame)
    assert list(table.display.columns) == ["Difference", "p"] and table.notes == []
    several = pd.concat([frame, frame.assign(pvalue=0.2)], ignore_index=True)
    shown = format_table(several)
    assert "p (adjusted)" in shown.display.columns
    assert shown.notes == ["p-value adjustment: holm; adjusted within: table."]
