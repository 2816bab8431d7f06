"""Run a parameterised report notebook and render it to HTML and PDF.

`run_report` is the one entry point: it checks the parameters against the notebook's
``parameters`` cell (`papermill.inspect_notebook`), executes the notebook with papermill in a
kernel running this very Python interpreter, renders the executed notebook to a single
self-contained HTML file with the kpitools nbconvert template (no code cells, a title page,
a table of contents), prints that same HTML to an A4 PDF (WeasyPrint, or headless Chromium
when asked), and writes every file atomically under a templated path such as
``reports/2026Q3/quarterly.html``.

Any notebook with a cell tagged ``parameters`` can be rendered this way — the bundled ones
(`bundled_notebooks`) and your own.

Examples
--------
>>> from kpitools.reports.runner import find_notebook, notebook_parameters
>>> find_notebook("quarterly_report").name
'quarterly_report.ipynb'
>>> notebook_parameters("quarterly_report")["period"]["inferred_type_name"]
'str'
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitools.core.errors import KpiToolsError, ReportExecutionError, ReportParameterError

__all__ = [
    "FORMATS",
    "PDF_ENGINES",
    "ReportResult",
    "run_report",
    "find_notebook",
    "bundled_notebooks",
    "notebook_parameters",
    "check_parameters",
    "render_html",
    "html_to_pdf",
    "output_stem",
    "slugify",
    "TEMPLATE_DIR",
    "NOTEBOOK_DIR",
]

#: Output formats `run_report` can write.
FORMATS: tuple[str, ...] = ("html", "pdf", "ipynb")
#: PDF engines: WeasyPrint (pip-installable), headless Chromium, or the first one available.
PDF_ENGINES: tuple[str, ...] = ("auto", "weasyprint", "chromium")

_PACKAGE_DIR = Path(__file__).resolve().parent
#: Folder holding the ``kpitools`` nbconvert template (shipped inside the package).
TEMPLATE_DIR = _PACKAGE_DIR / "templates"
#: Folder of the bundled report notebooks (shipped inside the package).
NOTEBOOK_DIR = _PACKAGE_DIR / "notebooks"

_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list | tuple),
    "dict": lambda v: isinstance(v, dict),
}


@dataclass(frozen=True)
class ReportResult:
    """What `run_report` produced.

    Attributes
    ----------
    notebook : Path
        The source notebook.
    parameters : dict
        The parameters the notebook ran with (defaults filled in).
    outputs : dict of str to Path
        Written files by format (``"html"``, ``"pdf"``, ``"ipynb"``).
    seconds : float
        Wall-clock time of the whole run.
    timings : dict of str to float
        Seconds spent executing, rendering HTML and rendering PDF.
    """

    notebook: Path
    parameters: dict[str, Any]
    outputs: dict[str, Path]
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def html(self) -> Path | None:
        """Path of the HTML report, if written."""
        return self.outputs.get("html")

    @property
    def pdf(self) -> Path | None:
        """Path of the PDF report, if written."""
        return self.outputs.get("pdf")

    def __repr__(self) -> str:
        files = ", ".join(str(p) for p in self.outputs.values())
        return f"<ReportResult {self.notebook.name} → {files} ({self.seconds:.1f} s)>"


# --------------------------------------------------------------------------------------
# Notebooks and parameters


def bundled_notebooks() -> list[str]:
    """Names of the notebooks shipped with kpitools (without ``.ipynb``)."""
    return sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb"))


def find_notebook(notebook: str | os.PathLike[str]) -> Path:
    """Resolve a notebook path or the name of a bundled notebook.

    A path to an existing file is returned as is. A bare name (``"quarterly_report"`` or
    ``"quarterly_report.ipynb"``) is looked up among the bundled notebooks, then in the
    ``notebooks/`` folder of a source checkout.
    """
    path = Path(notebook)
    if path.is_file():
        return path.resolve()
    name = path.name if path.suffix == ".ipynb" else f"{path.name}.ipynb"
    for folder in (NOTEBOOK_DIR, _PACKAGE_DIR.parents[1] / "notebooks"):
        candidate = folder / name
        if candidate.is_file():
            return candidate.resolve()
    raise FileNotFoundError(
        f"notebook {str(notebook)!r} not found; give a path or one of "
        f"{', '.join(bundled_notebooks())}")


def notebook_parameters(notebook: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """The parameters declared in a notebook's ``parameters`` cell.

    Returns ``{name: {"name", "inferred_type_name", "default", "help"}}`` as given by
    `papermill.inspect_notebook`; the default is the literal source text.
    """
    import papermill

    path = find_notebook(notebook)
    return dict(papermill.inspect_notebook(str(path)))


def check_parameters(notebook: str | os.PathLike[str],
                     parameters: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Raise `ReportParameterError` for an unknown parameter name or a value of the wrong type.

    Types are those of the defaults in the ``parameters`` cell (``str``, ``int``, ``float``
    — which also takes an int —, ``bool``, ``list``, ``dict``); ``None`` accepts anything.
    Returns the declared parameters.
    """
    path = find_notebook(notebook)
    declared = notebook_parameters(path)
    if not declared:
        raise ReportParameterError(f"{path.name} has no cell tagged 'parameters'")
    for name, value in parameters.items():
        if name not in declared:
            valid = ", ".join(sorted(declared))
            raise ReportParameterError(
                f"{path.name}: unknown parameter {name!r}; the notebook takes {valid}")
        type_name = str(declared[name].get("inferred_type_name") or "None")
        base = type_name.split("[", 1)[0].strip().lower()
        if base in ("none", "any", ""):
            continue
        if "|" in type_name or "optional" in base or "union" in base:
            continue
        check = _TYPE_CHECKS.get(base)
        if check is not None and not check(value):
            raise ReportParameterError(
                f"{path.name}: parameter {name!r} must be {type_name}, got "
                f"{type(value).__name__} {value!r}")
    return declared


def slugify(value: Any) -> str:
    """A file-name-safe form of ``value``: letters, digits, ``-``, ``_`` and ``.`` only.

    >>> slugify("Technical Support")
    'technical-support'
    >>> slugify("<script>alert(1)</script>")
    'script-alert-1-script'
    """
    text = re.sub(r"[^0-9A-Za-z._-]+", "-", str(value)).strip("-.").lower()
    return text or "x"


def output_stem(template: str, parameters: Mapping[str, Any]) -> str:
    """Fill a path template such as ``"{period}/team-{team}"`` with slugified parameters.

    >>> output_stem("{period}/team-{team}", {"period": "2026Q3", "team": "Returns & Co"})
    '2026Q3/team-returns-co'
    """
    values = {k: slugify(v) if not isinstance(v, str) or v else "all"
              for k, v in parameters.items()}
    values = {k: (v.upper() if re.fullmatch(r"\d{4}q[1-4]", v) else v)
              for k, v in values.items()}
    try:
        return template.format(**values)
    except KeyError as err:
        raise ReportParameterError(
            f"output name {template!r} uses {err.args[0]!r}, which is not a parameter") from None


def _default_output_name(path: Path, parameters: Mapping[str, Any]) -> str:
    stem = path.stem.removesuffix("_report")
    return f"{{period}}/{stem}" if parameters.get("period") else stem


# --------------------------------------------------------------------------------------
# Running


def _kernel_manager_class() -> type:
    """A kernel manager whose kernel is this interpreter (``sys.executable``).

    papermill would otherwise look ``python3`` up among the installed kernelspecs, which can
    point at another Python (a user-level kernelspec shadows the venv's one).
    """
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class ThisPythonKernelManager(AsyncKernelManager):  # type: ignore[misc]
        @property
        def kernel_spec(self) -> KernelSpec:
            return KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name=f"Python ({sys.executable})",
                language="python",
                env={"MPLBACKEND": "module://matplotlib_inline.backend_inline",
                     "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
            )

        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            # The kernel process's own log (not cell output) would clutter the terminal.
            kw.setdefault("stderr", subprocess.DEVNULL)
            await super().start_kernel(**kw)

    return ThisPythonKernelManager


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp creates the file private (0600); a report is an ordinary readable file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _parse_formats(formats: str | Iterable[str]) -> list[str]:
    items = [f.strip() for f in formats.split(",")] if isinstance(formats, str) else list(formats)
    items = [f for f in items if f]
    if not items:
        raise ReportParameterError("formats is empty; choose from " + ", ".join(FORMATS))
    for f in items:
        if f not in FORMATS:
            raise ReportParameterError(
                f"format {f!r} is not valid; choose from {', '.join(FORMATS)}")
    return list(dict.fromkeys(items))


def run_report(
    notebook: str | os.PathLike[str],
    parameters: Mapping[str, Any] | None = None,
    output_dir: str | os.PathLike[str] = "reports",
    *,
    formats: str | Sequence[str] = ("html", "pdf"),
    output_name: str | None = None,
    title: str | None = None,
    pdf_engine: str = "auto",
    timeout: int = 600,
    progress: Callable[[str], None] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> ReportResult:
    """Execute a report notebook with parameters and write it as HTML, PDF and/or ipynb.

    Parameters
    ----------
    notebook : str or path
        A notebook path, or the name of a bundled notebook (``"quarterly_report"``,
        ``"team_report"``, ``"competitor_benchmark"``, ``"explore"``).
    parameters : mapping, optional
        Values for the names in the notebook's ``parameters`` cell. An unknown name or a
        value of the wrong type raises `ReportParameterError` before anything runs.
    output_dir : str or path, default "reports"
        Root folder of the outputs.
    formats : str or sequence of str, default ("html", "pdf")
        Any of ``"html"``, ``"pdf"``, ``"ipynb"`` (the executed notebook); a comma-separated
        string is accepted.
    output_name : str, optional
        Path template below ``output_dir`` without extension, filled with the parameters
        (slugified): default the notebook's ``metadata.kpitools.output_name`` (the bundled
        ones use ``"{period}/quarterly"``, ``"{period}/team-{team}"``, ...), else
        ``"{period}/<notebook stem without _report>"`` when the notebook has a ``period``
        parameter, e.g. ``reports/2026Q3/quarterly.html``.
    title : str, optional
        Title of the title page; default the notebook's ``metadata.kpitools.title``.
    pdf_engine : {"auto", "weasyprint", "chromium"}, default "auto"
        ``"auto"`` uses WeasyPrint when installed, else headless Chromium.
    timeout : int, default 600
        Seconds allowed per cell.
    progress : callable, optional
        Called with a short message at each step (the CLI prints them).
    cwd : str or path, optional
        Working directory of the kernel (default: the current directory).

    Returns
    -------
    ReportResult

    Raises
    ------
    ReportParameterError
        Unknown parameter, wrong type, unknown format or PDF engine.
    ReportExecutionError
        A cell failed. The message names the notebook, the cell (its 0-based index in the
        source notebook), the exception and the executed notebook, which is kept next to the
        outputs as ``<name>.failed.ipynb``.

    Notes
    -----
    Every output is written to a temporary file in its folder and renamed into place, so a
    schedule never sees a half-written report; a failed run leaves earlier reports as they
    were.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    path = find_notebook(notebook)
    params = dict(parameters or {})
    fmts = _parse_formats(formats)
    if pdf_engine not in PDF_ENGINES:
        raise ReportParameterError(
            f"pdf_engine={pdf_engine!r} is not valid; choose one of {', '.join(PDF_ENGINES)}")
    declared = check_parameters(path, params)
    filled = {**{k: _literal(v.get("default")) for k, v in declared.items()}, **params}
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("kpitools", {})
    template = output_name or meta.get("output_name") or _default_output_name(path, filled)
    base = Path(output_dir) / output_stem(template, filled)
    report_title = title or meta.get("title") or path.stem.replace("_", " ").capitalize()
    timings: dict[str, float] = {}

    say(f"executing {path.name} ({len(nb.cells)} cells)")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kpitools-report-") as tmp:
        executed_path = Path(tmp) / path.name
        try:
            papermill.execute_notebook(
                str(path), str(executed_path), parameters=params,
                kernel_name="python3", language="python", progress_bar=False,
                request_save_on_cell_execute=False, cwd=str(cwd or os.getcwd()),
                kernel_manager_class=_kernel_manager_class(), execution_timeout=timeout,
            )
        except PapermillExecutionError as err:
            kept = base.parent / f"{base.name}.failed.ipynb"
            if executed_path.exists():
                _atomic_write(kept, executed_path.read_bytes())
            raise ReportExecutionError(
                path.name, cell_index=_source_cell_index(kept, err.cell_index), ename=err.ename,
                evalue=_first_line(err.evalue),
                kept_notebook=str(kept) if kept.exists() else None) from None
        executed = nbformat.read(executed_path, as_version=4)
        timings["execute"] = time.perf_counter() - t0
        outputs: dict[str, Path] = {}
        if "ipynb" in fmts:
            target = base.with_suffix(".ipynb")
            _atomic_write(target, executed_path.read_bytes())
            outputs["ipynb"] = target

    page = None
    if "html" in fmts or "pdf" in fmts:
        say("rendering HTML")
        t0 = time.perf_counter()
        subtitle = _subtitle(filled)
        page = render_html(executed, title=report_title, subtitle=subtitle, parameters=filled)
        timings["html"] = time.perf_counter() - t0
        if "html" in fmts:
            target = base.with_suffix(".html")
            _atomic_write(target, page.encode("utf-8"))
            outputs["html"] = target
    if "pdf" in fmts:
        assert page is not None
        say("rendering PDF")
        t0 = time.perf_counter()
        target = base.with_suffix(".pdf")
        _atomic_write(target, html_to_pdf(page, engine=pdf_engine))
        outputs["pdf"] = target
        timings["pdf"] = time.perf_counter() - t0
    for f in fmts:
        say(f"wrote {outputs[f]}")
    old_failed = base.parent / f"{base.name}.failed.ipynb"
    if old_failed.exists():
        old_failed.unlink()
    return ReportResult(notebook=path, parameters=filled, outputs=outputs,
                        seconds=time.perf_counter() - started, timings=timings)


def _source_cell_index(kept: Path, fallback: int | None) -> int | None:
    """0-based index, in the source notebook, of the cell that failed.

    papermill counts its injected-parameters cell; the kept notebook also holds its error
    banners. Both are skipped so that the index points at the notebook the user wrote.
    """
    import nbformat

    if not kept.exists():
        return fallback
    nb = nbformat.read(kept, as_version=4)
    index = 0
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "papermill-error-cell-tag" in tags or "injected-parameters" in tags:
            continue
        if cell.metadata.get("papermill", {}).get("status") == "failed":
            return index
        index += 1
    return fallback


def _first_line(text: Any) -> str:
    lines = str(text).strip().splitlines()
    return lines[0] if lines else ""


def _literal(source: Any) -> Any:
    import ast

    try:
        return ast.literal_eval(str(source))
    except (ValueError, SyntaxError):
        return source


def _subtitle(parameters: Mapping[str, Any]) -> str:
    parts = []
    if parameters.get("period"):
        parts.append(str(parameters["period"]))
    for key in ("team", "competitor"):
        if parameters.get(key):
            parts.append(str(parameters[key]))
    return " · ".join(parts)


# --------------------------------------------------------------------------------------
# Rendering


_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)


def render_html(notebook: Any, *, title: str, subtitle: str = "",
                parameters: Mapping[str, Any] | None = None) -> str:
    """Render an executed notebook to one self-contained HTML page with the kpitools template.

    Code cells' inputs, prompts and stderr are left out; markdown, tables and figures
    (embedded as data URIs) are kept. A title page and a table of contents built from the
    ``##`` headings come first. The title, subtitle and parameters are HTML-escaped.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="kpitools", extra_template_basedirs=[str(TEMPLATE_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    resources = {
        "kpitools": {
            "title": title,
            "subtitle": subtitle,
            "generated": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "version": _version(),
            "parameters": dict(parameters or {}),
        }
    }
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    entries = []
    for anchor, inner in _H2.findall(body):
        text = re.sub(r"<a class=\"anchor-link\".*?</a>", "", inner, flags=re.S)
        text = re.sub(r"<[^>]+>", "", text).strip()
        entries.append(f'<li><a href="#{anchor}">{text}</a></li>')
    toc = "<ol class=\"toc-list\">" + "".join(entries) + "</ol>"
    return body.replace("<!-- kpitools:toc -->", toc, 1)


def _version() -> str:
    from kpitools.core.version import __version__

    return __version__


def html_to_pdf(page: str, *, engine: str = "auto") -> bytes:
    """Print an HTML page (from `render_html`) to PDF bytes on A4.

    ``engine="weasyprint"`` needs the ``pdf`` extra (``pip install kpitools[pdf]``);
    ``"chromium"`` needs a ``chromium`` (or ``google-chrome``) executable on the PATH;
    ``"auto"`` takes WeasyPrint when importable, else Chromium.
    """
    if engine not in PDF_ENGINES:
        raise ReportParameterError(
            f"pdf_engine={engine!r} is not valid; choose one of {', '.join(PDF_ENGINES)}")
    if engine in ("auto", "weasyprint"):
        try:
            with warnings.catch_warnings():
                # "HarfBuzz-Subset will be required by future versions": a system library
                # the user cannot act on from here; fontTools subsets fonts meanwhile.
                warnings.simplefilter("ignore", DeprecationWarning)
                import weasyprint
        except ImportError:
            if engine == "weasyprint":
                raise KpiToolsError("PDF output needs WeasyPrint: pip install "
                                    "'kpitools[pdf]'") from None
        else:
            import logging

            logging.getLogger("weasyprint").setLevel(logging.ERROR)
            logging.getLogger("fontTools").setLevel(logging.ERROR)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return weasyprint.HTML(string=page, base_url=".").write_pdf()
    return _chromium_pdf(page)


def _chromium_pdf(page: str) -> bytes:
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(b)), None)
    if browser is None:
        raise KpiToolsError("PDF output needs WeasyPrint (pip install 'kpitools[pdf]') or a "
                            "chromium executable on the PATH")
    with tempfile.TemporaryDirectory(prefix="kpitools-pdf-") as tmp:
        src = Path(tmp) / "report.html"
        out = Path(tmp) / "report.pdf"
        src.write_text(page, encoding="utf-8")
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", src.as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0 or not out.exists():
            raise KpiToolsError(f"chromium failed to print the PDF: {done.stderr.strip()[-500:]}")
        return out.read_bytes()
