"""The satisfaction–retention notebook: committed clean, parameterized, and it runs (through
papermill, via kpitools.reports.runner.run_report) on the sample data and on the IBM Telco
extract."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
import papermill
import pytest

from kpitools.core.errors import ReportExecutionError
from kpitools.reports.runner import run_report

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "satisfaction_retention.ipynb"
TELCO = ROOT / "tests" / "data" / "telco_extract.csv"
TELCO_PARAMETERS = {
    "data_path": str(TELCO), "satisfaction": "Satisfaction Score", "outcome": "Churn Value",
    "duration": "Tenure in Months", "covariates": ["Contract", "Tenure in Months"],
    "survival_covariates": ["Contract"], "regression_method": "firth",
}


def test_committed_without_outputs_and_with_metadata():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["language_info"]["name"] == "python"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and nb.cells[0] is tagged[0]


def test_parameters_are_typed_and_documented():
    params = papermill.inspect_notebook(str(NOTEBOOK))
    assert set(TELCO_PARAMETERS) <= set(params)
    for name, info in params.items():
        assert info["inferred_type_name"] in {"str", "list", "float"}, name
        assert info["help"], name


def _outputs(path: Path) -> list[str]:
    nb = json.loads(path.read_text())
    texts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            texts.append(str(data.get("text/plain", "")) + str(out.get("text", "")))
    return texts


@pytest.mark.notebook
def test_runs_on_sample_data_and_renders_html(tmp_path):
    result = run_report(NOTEBOOK, {}, tmp_path, formats=("ipynb", "html"))
    html = result.html.read_text(encoding="utf-8")
    assert "Does satisfaction predict retention?" in html
    assert "Cox regression" in html and "<img" in html
    first = _outputs(result.outputs["ipynb"])[0]
    assert "kpitools version" in first and "data SHA-256" in first


@pytest.mark.notebook
def test_runs_on_the_telco_extract(tmp_path):
    result = run_report(NOTEBOOK, TELCO_PARAMETERS, tmp_path, formats=("ipynb",))
    outputs = _outputs(result.outputs["ipynb"])
    digest = hashlib.sha256(TELCO.read_bytes()).hexdigest()
    assert digest[:20] in outputs[0]  # provenance comes first, with the data's SHA-256
    assert any("firth" in text for text in outputs)


@pytest.mark.notebook
@pytest.mark.slow  # a third kernel start; the error itself is tested in test_regression.py
def test_telco_with_maximum_likelihood_stops_with_a_clear_error(tmp_path):
    with pytest.raises(ReportExecutionError, match=r"SeparationError: column 'Satisfaction "
                                                   r"Score': separation"):
        run_report(NOTEBOOK, {**TELCO_PARAMETERS, "regression_method": "mle"}, tmp_path,
                   formats=("ipynb",))
