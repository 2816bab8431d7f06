"""Tests of kpitools.reports.runner and kpitools.reports.sections: every notebook runs through
papermill on
small sample data; the HTML has no code, escapes user strings and shows the library's numbers;
the PDF has the expected pages and text; bad parameters and failing cells are reported."""

import hashlib
import html
import re

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from pypdf import PdfReader

import kpitools as kt
from kpitools import datasets
from kpitools.core.errors import ReportExecutionError, ReportParameterError
from kpitools.datasets.simulate import simulate_service_data
from kpitools.reports import sections as rp
from kpitools.reports.runner import (
    bundled_notebooks,
    check_parameters,
    find_notebook,
    output_stem,
    run_report,
)

XSS = "<script>alert(1)</script>"
TEAMS = ["Billing", "Onboarding", "Returns", XSS]
PERIOD = "2026Q3"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    simulate_service_data(seed=5, scale=0.25, teams=TEAMS).write(folder)
    return folder


@pytest.fixture(scope="module")
def quarterly(data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return run_report("quarterly_report", {"period": PERIOD, "data_dir": str(data_dir)}, out,
                      formats="html,pdf,ipynb")


@pytest.fixture(scope="module")
def quarterly_html(quarterly):
    return quarterly.html.read_text(encoding="utf-8")


@pytest.mark.notebook
def test_outputs_have_schedule_friendly_names(quarterly):
    assert quarterly.html.name == "quarterly.html"
    assert quarterly.html.parent.name == PERIOD
    assert quarterly.pdf == quarterly.html.with_suffix(".pdf")
    assert quarterly.outputs["ipynb"].exists()
    assert not list(quarterly.html.parent.glob("*.part"))


@pytest.mark.notebook
def test_html_has_no_code(quarterly_html):
    assert "rp.headline_table" not in quarterly_html
    assert "import kpitools" not in quarterly_html
    assert "jp-InputArea" not in quarterly_html and "input_area" not in quarterly_html
    assert "<script" not in quarterly_html  # self-contained, no scripts at all


@pytest.mark.notebook
def test_html_is_self_contained_with_embedded_plots(quarterly_html):
    assert quarterly_html.count('src="data:image/svg+xml;base64,') >= 6  # vector plots
    assert 'src="data:image/png;base64,' not in quarterly_html
    assert not re.search(r'(src|href)="https?://', quarterly_html)


@pytest.mark.notebook
def test_html_has_title_page_and_table_of_contents(quarterly_html):
    assert "Quarterly customer-service report" in quarterly_html
    toc = quarterly_html.split('<nav class="toc')[1].split("</nav>")[0]
    for section in ("Headline KPIs", "Trends", "Teams", "Channels", "Competitors",
                    "Data quality", "Appendix: provenance"):
        assert section in toc


@pytest.mark.notebook
def test_user_strings_are_escaped(quarterly_html):
    assert XSS not in quarterly_html
    assert html.escape(XSS) in quarterly_html


@pytest.mark.notebook
def test_cover_comes_first_and_provenance_is_the_appendix(quarterly, data_dir):
    nb = nbformat.read(quarterly.outputs["ipynb"], as_version=4)
    outputs = [c.outputs[0]["data"].get("text/html", "") for c in nb.cells
               if c.cell_type == "code" and c.outputs and "data" in c.outputs[0]]
    assert "kt-cover" in outputs[0] and "Provenance" not in outputs[0]
    text = next(o for o in outputs if "Provenance" in o)
    assert outputs.index(text) == len(outputs) - 1  # the last output: an appendix
    assert kt.__version__ in text
    assert datasets.fingerprint(data_dir) in text
    assert "parameter period" in text


@pytest.mark.notebook
def test_headline_numbers_equal_the_library(quarterly_html, data_dir):
    surveys = datasets.load_dataset("surveys", directory=data_dir)
    cur = surveys[surveys["quarter"] == PERIOD]["nps"].to_numpy()
    plain = 100 * ((cur >= 9).mean() - (cur <= 6).mean())  # independent of kpitools
    est = kt.nps(cur)
    assert est.estimate == pytest.approx(plain)
    headline = quarterly_html.split("Headline KPIs, ")[1].split("</table>")[0]
    assert re.search(rf">{est.estimate:.1f}<br/?>", headline)
    assert f"[{est.ci_low:.1f}, {est.ci_high:.1f}]" in headline
    prev = surveys[surveys["quarter"] == "2026Q2"]["nps"]
    diff = kt.compare_nps(prev, cur)
    assert f"{diff.difference:+.1f}" in headline


@pytest.mark.notebook
def test_pdf_has_the_expected_pages_and_text(quarterly):
    reader = PdfReader(str(quarterly.pdf))
    assert 5 <= len(reader.pages) <= 12
    first = reader.pages[0].extract_text()
    assert "Quarterly customer-service" in first and PERIOD in first
    # page 1 answers: the summary tiles with the NPS, then the contents
    assert "Summary" in first and "NPS" in first and "Contents" in first
    text = "\n".join(p.extract_text() for p in reader.pages)
    for words in ("Headline KPIs", "Team league table", "Channels", "NPS against competitors",
                  "Operations, 2026Q3", "First response time, median (min) by channel",
                  f"Page 3 of {len(reader.pages)}"):
        assert words in text
    assert XSS in text.replace("\n", "")  # shown literally, as text (may wrap)


@pytest.mark.parametrize("notebook, params, name", [
    ("team_report", {"team": XSS},  # readable slug + SHA-256 prefix of the exact name
     f"team-script-alert-1-script--{hashlib.sha256(XSS.encode()).hexdigest()[:12]}.html"),
    # competitor_benchmark runs end to end through the CLI in tests/test_cli.py
    ("explore", {}, "explore.html"),
])
@pytest.mark.notebook
def test_every_other_notebook_runs(notebook, params, name, data_dir, tmp_path):
    result = run_report(notebook, {"period": PERIOD, "data_dir": str(data_dir), **params},
                        tmp_path, formats="html")
    assert result.html.name == name
    page = result.html.read_text(encoding="utf-8")
    assert XSS not in page
    # headings and at least one table rendered by kpitools.reports.sections (class kt-table)
    assert "<h2" in page
    assert "kt-table" in page
    if notebook == "team_report":
        assert html.escape(XSS) in page


def test_bundled_notebooks_are_clean_and_runnable():
    assert set(bundled_notebooks()) >= {"quarterly_report", "team_report",
                                        "competitor_benchmark", "explore"}
    for name in bundled_notebooks():
        nb = nbformat.read(find_notebook(name), as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "python3"
        assert nb.metadata["language_info"]["name"] == "python"
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), name
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, name
        for line in tagged[0].source.splitlines():
            assert re.fullmatch(r"\w+: (str|int|float|bool) = .+  # .+", line), line


def test_unknown_parameter_fails_before_running(tmp_path):
    with pytest.raises(ReportParameterError,
                       match="quarterly_report.ipynb: unknown parameter 'perod'; the notebook "
                             "takes ces_target, confidence_level, csat_target, data_dir"):
        run_report("quarterly_report", {"perod": PERIOD}, tmp_path)
    assert not any(tmp_path.iterdir())


def test_wrong_type_fails_before_running(tmp_path):
    with pytest.raises(ReportParameterError,
                       match="parameter 'confidence_level' must be float, got str 'high'"):
        run_report("quarterly_report", {"confidence_level": "high"}, tmp_path)
    with pytest.raises(ReportParameterError, match="parameter 'period' must be str, got int"):
        check_parameters("quarterly_report", {"period": 2026})
    check_parameters("quarterly_report", {"confidence_level": 1})  # an int is a fine float
    assert not any(tmp_path.iterdir())


def test_bad_format_and_engine(tmp_path):
    with pytest.raises(ReportParameterError, match="format 'docx' is not valid"):
        run_report("quarterly_report", {}, tmp_path, formats="html,docx")
    with pytest.raises(ReportParameterError, match="pdf_engine='prince' is not valid"):
        run_report("quarterly_report", {}, tmp_path, pdf_engine="prince")


def _failing_notebook(path):
    nb = new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nb.cells = [new_code_cell('period: str = "2026Q3"  # quarter',
                              metadata={"tags": ["parameters"]}),
                new_code_cell("print('fine')"),
                new_code_cell("raise ValueError('no data for ' + period)")]
    nbformat.write(nb, path)
    return path


@pytest.mark.notebook
def test_failing_cell_raises_and_keeps_the_notebook(tmp_path):
    nb_path = _failing_notebook(tmp_path / "broken.ipynb")
    out = tmp_path / "out"
    previous = out / "2026Q3" / "broken.html"
    previous.parent.mkdir(parents=True)
    previous.write_text("last quarter's good report")
    with pytest.raises(ReportExecutionError,
                       match=r"broken.ipynb: cell 2 failed: ValueError: no data for 2026Q3; "
                             r"executed notebook kept at .*broken.failed.ipynb") as info:
        run_report(nb_path, {"period": "2026Q3"}, out, formats="html")
    err = info.value
    assert err.cell_index == 2 and err.ename == "ValueError"  # index in broken.ipynb
    kept = nbformat.read(err.kept_notebook, as_version=4)
    failed = [c for c in kept.cells if c.cell_type == "code" and c.outputs
              and c.outputs[-1]["output_type"] == "error"]
    assert len(failed) == 1 and failed[0].source.startswith("raise ValueError")
    assert previous.read_text() == "last quarter's good report"  # never half-overwritten


def test_output_stem_slugifies_user_values():
    digest = hashlib.sha256(b"../../etc").hexdigest()[:12]
    assert output_stem("{period}/team-{team}", {"period": "2026Q3", "team": "../../etc"}) == \
        f"2026Q3/team-etc--{digest}"
    with pytest.raises(ReportParameterError, match="uses 'region', which is not a parameter"):
        output_stem("{region}", {})


def test_find_notebook_unknown_name():
    with pytest.raises(FileNotFoundError, match="notebook 'quartely' not found"):
        find_notebook("quartely")


# ----------------------------------------------------------- reporting (no kernel needed)

@pytest.fixture(scope="module")
def sample():
    return rp.load_data("")


def test_verdicts():
    assert rp.verdict(6.23, 0.01) == "up 6.2 points, significant"
    assert rp.verdict(-4.0, 0.049) == "down 4.0 points, significant"
    assert rp.verdict(-4.0, 0.05) == "not significant"
    assert rp.verdict(np.nan, 0.01) == "no comparison"


def test_headline_table_against_compare(sample):
    table = rp.headline_table(sample.surveys, period=PERIOD, targets={"nps": 10})
    s = sample.surveys
    prev = s[s["quarter"] == "2026Q2"]["nps"]
    cur = s[s["quarter"] == PERIOD]["nps"]
    c = kt.compare_nps(prev, cur)
    row = table.data.set_index("kpi").loc["nps"]
    assert row["difference_previous"] == pytest.approx(c.difference)
    assert row["pvalue_previous"] == pytest.approx(c.pvalue)
    assert row["status"] == "above target"  # the whole CI is above 10


def test_league_table_finds_the_real_change_only(sample):
    table = rp.team_league_table(sample.surveys, period=PERIOD)
    verdicts = table.data.set_index("team")["verdict"]
    assert verdicts["Onboarding"].startswith("up ") and verdicts["Onboarding"].endswith(
        "significant")
    assert verdicts["Returns"] == "not significant"
    raw = table.data["pvalue"].to_numpy()
    expected = np.minimum(1, np.maximum.accumulate(np.sort(raw) * (len(raw) - np.arange(len(raw)))))
    np.testing.assert_allclose(np.sort(table.data["pvalue_adjusted"]), expected)


def test_competitor_table_published_counts(sample):
    table = rp.competitor_table(sample.surveys, sample.competitor_surveys,
                                sample.competitor_published, period=PERIOD)
    pub = sample.competitor_published
    row = pub[(pub["competitor"] == "Globex") & (pub["quarter"] == PERIOD)].iloc[0]
    got = table.data.set_index("competitor").loc["Globex"]
    assert got["nps"] == pytest.approx(row["promoters_pct"] - row["detractors_pct"], abs=0.1)
    assert table.data["competitor"].iloc[0] == "Us"


def test_resolve_period(sample):
    assert rp.resolve_period("last-complete", sample.surveys, today="2026-10-01") == "2026Q3"
    assert rp.resolve_period("last-complete", sample.surveys, today="2026-09-30") == "2026Q2"
    assert rp.resolve_period("2026q2", sample.surveys) == "2026Q2"
    with pytest.raises(kt.DataValidationError, match="period '2019Q1' has no data"):
        rp.resolve_period("2019Q1", sample.surveys)
    with pytest.raises(kt.DataValidationError, match="'soon' is not a quarter"):
        rp.resolve_period("soon", sample.surveys)


def test_operations_table_medians_and_the_email_frt_change(sample):
    table = rp.operations_table(sample.tickets, sample.calls, period=PERIOD)
    t = sample.tickets
    q = t["created_at"].dt.to_period("Q").astype(str)
    frt = (t["first_response_at"] - t["created_at"]).dt.total_seconds() / 60
    row = table.data.set_index("kpi").loc["frt"]
    assert row["estimate"] == pytest.approx(frt[q == PERIOD].median())
    assert set(table.data["kpi"]) == {s["kpi"] for s in rp.OPERATIONS_KPIS}
    by_channel = rp.channel_operations_table(sample.tickets, period=PERIOD)
    verdicts = by_channel.data.set_index("channel")["verdict"]
    assert verdicts["email"].startswith("shifted up ") and verdicts["email"].endswith(
        "(Hodges–Lehmann), significant")
    assert verdicts["phone"] == "not significant"
