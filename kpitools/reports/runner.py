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
import hashlib
import os
import re
import shutil
import string
import subprocess
import sys
import tempfile
import time
import unicodedata
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpitools.core.errors import KpiToolsError, ReportExecutionError, ReportParameterError
from kpitools.reports.parameters import INJECTED_TAG, coerce_parameter, parameters_source

__all__ = [
    "FORMATS",
    "PDF_ENGINES",
    "ReportResult",
    "ReportSession",
    "run_report",
    "worker_session",
    "find_notebook",
    "bundled_notebooks",
    "notebook_parameters",
    "check_parameters",
    "check_output_name",
    "check_output_dir",
    "render_html",
    "scrub_controls",
    "html_to_pdf",
    "output_stem",
    "path_component",
    "slugify",
    "TEMPLATE_DIR",
    "NOTEBOOK_DIR",
    "TABLE_MIME",
    "table_bundle",
    "collect_tables",
    "write_xlsx",
    "write_csv",
    "sheet_names",
]

#: Output formats `run_report` can write: the report (HTML, PDF), the executed notebook, and
#: every report table as one Excel workbook or a folder of CSV files.
FORMATS: tuple[str, ...] = ("html", "pdf", "ipynb", "xlsx", "csv")
#: MIME type of the raw numbers of report tables in a notebook's outputs (`table_bundle`).
TABLE_MIME = "application/vnd.kpitools.table+json"
#: PDF engines: WeasyPrint (pip-installable), headless Chromium, or the first one available.
PDF_ENGINES: tuple[str, ...] = ("auto", "weasyprint", "chromium")

_PACKAGE_DIR = Path(__file__).resolve().parent
#: Folder holding the ``kpitools`` nbconvert template (shipped inside the package).
TEMPLATE_DIR = _PACKAGE_DIR / "templates"
#: Folder of the bundled report notebooks (shipped inside the package).
NOTEBOOK_DIR = _PACKAGE_DIR / "notebooks"

#: Longest readable part of a file name made from a parameter value, in UTF-8 bytes.
_SLUG_BYTES = 80
#: Hex digits of SHA-256 that make a file name unique (48 bits).
_HASH_CHARS = 12
#: Room kept in each file name for ``.failed.ipynb`` and the ``.<name>.<random>.part``
#: temporary file of an atomic write; a name component is at most 255 bytes on common file
#: systems.
_NAME_BYTES = 255 - 40
_PLAIN = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)*")
_QUARTER_LABEL = re.compile(r"\d{4}(?:Q[1-4]|-W\d{2})")  # a quarter or an ISO week
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


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
        Written files by format (``"html"``, ``"pdf"``, ``"ipynb"``, ``"xlsx"``; ``"csv"``
        is a folder).
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

    Types are those declared in the ``parameters`` cell (``str``, ``int``, ``float`` — which
    also takes an int —, ``bool``, ``list``, ``tuple``, ``dict``, ``list[str]``,
    ``Optional[...]``, ...); an undeclared type accepts any value made of str, int, float, bool,
    None, list, tuple and dict. A tuple is accepted for a list. Non-finite floats and any other
    object are refused. Returns the declared parameters.
    """
    return _checked_parameters(find_notebook(notebook), parameters)[0]


def _checked_parameters(path: Path, parameters: Mapping[str, Any]
                        ) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The declared parameters and ``parameters`` as plain values of the declared types."""
    declared = notebook_parameters(path)
    if not declared:
        raise ReportParameterError(f"{path.name} has no cell tagged 'parameters'")
    values: dict[str, Any] = {}
    for name, value in parameters.items():
        if name not in declared:
            valid = ", ".join(sorted(declared))
            raise ReportParameterError(
                f"{path.name}: unknown parameter {name!r}; the notebook takes {valid}")
        type_name = str(declared[name].get("inferred_type_name") or "None")
        values[name] = coerce_parameter(path.name, name, value, type_name)
    return declared, values


def slugify(value: Any) -> str:
    """A readable, file-name-safe form of ``value``: Unicode letters, marks and digits
    (lower-cased) and ``_``; every other run of characters (blanks, punctuation, path
    separators, control characters) becomes one ``-``. At most 80 UTF-8 bytes; ``"x"`` when
    nothing is left. Several values can share a slug: `path_component` makes names unique.

    >>> slugify("Technical Support")
    'technical-support'
    >>> slugify("<script>alert(1)</script>")
    'script-alert-1-script'
    >>> slugify("پشتیبانی / Москва")
    'پشتیبانی-москва'
    """
    text = unicodedata.normalize("NFC", str(value))
    chars = [ch.lower() if unicodedata.category(ch)[0] in "LNM" or ch == "_" else "-"
             for ch in text]
    slug = re.sub(r"-+", "-", "".join(chars)).strip("-")
    while len(slug.encode("utf-8")) > _SLUG_BYTES:
        slug = slug[:-1]
    return slug.rstrip("-") or "x"


def path_component(value: Any) -> str:
    """The file-name part for one parameter value: distinct values give distinct parts.

    A value that is already a plain name — lower-case ASCII letters and digits joined by
    single ``-`` or ``_`` (``"billing"``, ``"last-complete"``, a month ``"2026-03"``), or a
    quarter such as ``"2026Q3"`` or an ISO week ``"2026-W14"`` — is used as it is. Any
    other value gives its `slugify` form, ``--`` and the
    first 12 hex digits of the SHA-256 of the exact value (``"Returns & Co"`` →
    ``"returns-co--<hash>"``), so that names differing only in punctuation, case, spacing or
    in letters outside the Latin alphabet never share a file. At most 94 UTF-8 bytes.

    Notes
    -----
    Why this is collision-free: a slug never holds ``--``, so a hashed part is never a plain
    name; plain names are lower case, so case-insensitive file systems (macOS, Windows) keep
    them apart; two hashed parts are equal only when the SHA-256 of the two values share
    their first 48 bits (about 1 chance in 10⁹ among a thousand values; commands that write
    several reports check their names for duplicates before anything runs). ``""`` gives
    ``"all"`` (so a value ``"all"`` is hashed).

    >>> path_component("billing"), path_component("2026Q3"), path_component("2026-W14")
    ('billing', '2026Q3', '2026-W14')
    >>> path_component("Returns & Co") != path_component("Returns Co")
    True
    >>> path_component("Returns & Co").startswith("returns-co--")
    True
    """
    if isinstance(value, str) and value == "":
        return "all"
    text = value if isinstance(value, str) else repr(value)
    plain = (_PLAIN.fullmatch(text) and not re.fullmatch(r"\d{4}(?:q[1-4]|-w\d{2})", text)
             and text != "all") or _QUARTER_LABEL.fullmatch(text)
    if plain and len(text) <= _SLUG_BYTES:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARS]
    return f"{slugify(text)}--{digest}"


def check_output_name(template: str) -> str:
    """Check an output-name template such as ``"{period}/team-{team}"``; return it.

    The template is a path below the output folder: ``/`` separates folders, and each
    ``{name}`` is replaced by `path_component` of that parameter. Refused, with
    `ReportParameterError`: an empty name, an absolute path, a ``..`` or ``.`` or empty
    folder, a backslash, a NUL or other control character, and a field other than a plain
    ``{name}`` (no ``{name.attr}``, ``{name!r}`` or ``{name:>9}``).

    >>> check_output_name("{period}/retention")
    '{period}/retention'
    >>> check_output_name("../x")
    Traceback (most recent call last):
    ...
    kpitools.core.errors.ReportParameterError: output name '../x' leaves the output folder ...
    """
    if not isinstance(template, str) or not template.strip():
        raise ReportParameterError(f"output name {template!r} is empty")
    if _CONTROL.search(template) or "\\" in template:
        raise ReportParameterError(f"output name {template!r} holds a backslash or a control "
                                   "character; use '/' between folders")
    if template.startswith("/") or any(p in ("", ".", "..") for p in template.split("/")):
        raise ReportParameterError(
            f"output name {template!r} leaves the output folder or has an empty, '.' or '..' "
            "folder; give a relative path such as '{period}/retention'")
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as err:
        raise ReportParameterError(f"output name {template!r}: {err}") from None
    for _literal_text, field_name, spec, conversion in fields:
        if field_name is None:
            continue
        if not field_name.isidentifier() or spec or conversion:
            raise ReportParameterError(
                f"output name {template!r}: '{{{field_name}"
                f"{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}' is "
                "not a plain {parameter} field")
    return template


def output_stem(template: str, parameters: Mapping[str, Any]) -> str:
    """Fill a path template such as ``"{period}/team-{team}"`` with the parameters, each made
    a file-name part by `path_component` (so the stem is unique per value and never leaves
    the output folder). The template is checked by `check_output_name`; a file name longer
    than the file system allows is refused here, before anything runs.

    >>> output_stem("{period}/team-{team}", {"period": "2026Q3", "team": "billing"})
    '2026Q3/team-billing'
    >>> output_stem("{period}/team-{team}", {"period": "2026Q3", "team": "Returns & Co"})
    '2026Q3/team-returns-co--...'
    """
    check_output_name(template)
    values = {k: path_component(v) for k, v in parameters.items()}
    try:
        stem = template.format(**values)
    except KeyError as err:
        raise ReportParameterError(
            f"output name {template!r} uses {err.args[0]!r}, which is not a parameter") from None
    for part in stem.split("/"):
        size = len(part.encode("utf-8", "surrogatepass"))
        if size > _NAME_BYTES:
            raise ReportParameterError(
                f"output name {template!r}: the file name {part[:40]!r}… would be {size} bytes; "
                f"keep each folder or file name under {_NAME_BYTES} bytes")
    return stem


def check_output_dir(folder: str | os.PathLike[str], *, create: bool = True) -> Path:
    """Check that reports can be written in ``folder``; return it.

    With ``create=True`` (what `run_report` does before the kernel starts) the folder and
    its parents are created if missing and a probe file is written and removed. With
    ``create=False`` (what the CLI does while parsing ``--out``) nothing is touched: the
    folder, or its nearest existing parent, must be a folder this user can write in.
    Otherwise `ReportParameterError` says, in one line, which folder and why.
    """
    path = Path(folder)
    try:
        if create:
            path.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=path, prefix=".kpitools-write-check-")
            os.close(fd)
            os.unlink(probe)
            return path
        existing = path
        while not existing.exists() and existing != existing.parent:
            if existing.is_symlink():  # a dangling link cannot be made a folder
                break
            existing = existing.parent
        if not existing.is_dir():
            raise NotADirectoryError(20, f"{str(existing)!r} is not a folder")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise PermissionError(13, f"{str(existing)!r} is read-only for this user")
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise ReportParameterError(f"output folder {str(path)!r} cannot be written: {reason}"
                                   ) from None
    return path


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


#: Modules a `ReportSession` imports in its kernel once, before the first report.
SESSION_PRELOAD: tuple[str, ...] = ("kpitools", "kpitools.reports.sections", "matplotlib.pyplot")
#: What the kernel of a session looked like after its warm-up (set in the kernel process).
_KERNEL_STATE: dict[str, Any] = {}


def _kernel_warm_up(modules: Sequence[str]) -> None:
    """In a session's kernel: import ``modules`` (every section module for
    ``kpitools.reports.sections``), move what exists then out of the garbage collector's
    reach (`gc.freeze`), then record the state `_kernel_reset` restores."""
    import importlib

    for name in modules:
        module = importlib.import_module(name)
        load_all = getattr(module, "_import_all", None)
        if callable(load_all):
            load_all()
    import gc
    import warnings as _warnings

    # what the imports made lives as long as the kernel: the collector need not scan it
    # again at every report (IPython's reset runs a full collection; ~0.1 s less a report)
    gc.collect()
    gc.freeze()
    _KERNEL_STATE.clear()
    _KERNEL_STATE.update(cwd=os.getcwd(), environ=dict(os.environ), path=list(sys.path),
                         filters=list(_warnings.filters))
    mpl = sys.modules.get("matplotlib")
    if mpl is not None:
        _KERNEL_STATE["rc"] = mpl.rcParams.copy()


def _kernel_reset() -> None:
    """In a session's kernel, before each report: what a fresh kernel would be.

    The user namespace, output cache and history are cleared and the execution count starts
    at 1 again (IPython's ``reset(new_session=True)``); open figures are closed; the working
    directory, environment, ``sys.path``, warning filters (and their once-per-location
    registries) and matplotlib's rcParams are put back as they were after the warm-up.
    Imported modules stay: that is what the session is for.
    """
    import warnings as _warnings

    from IPython import get_ipython

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)
    os.chdir(_KERNEL_STATE["cwd"])
    if dict(os.environ) != _KERNEL_STATE["environ"]:
        os.environ.clear()
        os.environ.update(_KERNEL_STATE["environ"])
    sys.path[:] = _KERNEL_STATE["path"]
    mpl = sys.modules.get("matplotlib")
    if mpl is not None and "rc" in _KERNEL_STATE:
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            mpl.rcParams.update(_KERNEL_STATE["rc"])
    warnings_module: Any = _warnings  # filters, onceregistry: not in the typeshed stubs
    warnings_module.filters[:] = _KERNEL_STATE["filters"]
    warnings_module.onceregistry.clear()
    warnings_module._filters_mutated()  # forget which warnings were already shown where


def _session_engine() -> str:
    """Register (once) and name the papermill engine that runs a notebook in a kernel that
    is already running (``km=``), leaving it running and closing only its own client."""
    from papermill.engines import NBClientEngine, papermill_engines

    name = "kpitools-session"
    if name in papermill_engines._engines:
        return name

    class SessionEngine(NBClientEngine):  # type: ignore[misc]
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                     stdout_file: Any = None, stderr_file: Any = None,
                                     start_timeout: int = 60, execution_timeout: Any = None,
                                     **kwargs: Any) -> Any:
            # as NBClientEngine, keeping hold of the client to close its channels
            from papermill.clientwrap import PapermillNotebookClient
            from papermill.log import logger

            for key in ("input_path", "timeout", "startup_timeout"):
                kwargs.pop(key, None)
            client = PapermillNotebookClient(
                nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                kernel_name=kernel_name, log=logger, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(name, SessionEngine)
    return name


class ReportSession:
    """One kernel, one HTML exporter and one PDF font configuration for a series of reports.

    `run_report` with ``session=`` executes each notebook in this session's kernel instead
    of starting one per report: the kernel is started on first use, imports kpitools, the
    report sections and matplotlib once (`SESSION_PRELOAD`), and before each report is
    reset to what a fresh kernel would be (`_kernel_reset`: namespace, execution count,
    figures, working directory, environment, ``sys.path``, warning filters, rcParams), so no
    variable of one report reaches the next. The nbconvert exporter and WeasyPrint's fonts
    are made once too. A kernel that died, timed out or could not be reset is replaced by a
    new one for the next report.

    Use it as a context manager (or call `close`); `worker_session` keeps one per process.

    Parameters
    ----------
    cwd : str or path, optional
        Working directory of the kernel (default: the current directory).
    preload : sequence of str, default `SESSION_PRELOAD`
        Modules imported in the kernel when it starts.
    startup_timeout : int, default 60
        Seconds allowed for the kernel to start.

    Notes
    -----
    A batch is ``with ReportSession() as session:`` then, for each team,
    ``run_report("team_report", {"team": team}, "reports", session=session)``
    (``tests/reports/test_report_batch.py`` runs it).
    """

    def __init__(self, *, cwd: str | os.PathLike[str] | None = None,
                 preload: Sequence[str] = SESSION_PRELOAD, startup_timeout: int = 60) -> None:
        self.cwd = str(Path(cwd or os.getcwd()).resolve())
        self.preload = tuple(preload)
        self.startup_timeout = startup_timeout
        self.kernel_starts = 0
        self.reports = 0
        self._km: Any = None
        self._exporter: Any = None
        self._fonts: Any = None

    def __enter__(self) -> ReportSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self._km is not None else "no kernel"
        return (f"<ReportSession {state}, {self.reports} reports, "
                f"{self.kernel_starts} kernel starts>")

    # -- kernel

    def _run_silently(self, code: str) -> None:
        """Run ``code`` in the kernel without output or history; raise if it fails."""
        from jupyter_client.blocking import BlockingKernelClient

        kc = BlockingKernelClient()
        kc.load_connection_info(self._km.get_connection_info())
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=self.startup_timeout)
            reply = kc.execute_interactive(code, silent=True, store_history=False,
                                           timeout=max(self.startup_timeout, 300),
                                           output_hook=lambda _msg: None)
        finally:
            kc.stop_channels()
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise KpiToolsError(f"the report kernel could not run its set-up: "
                                f"{content.get('ename')}: {content.get('evalue')}")

    def _start(self) -> None:
        """Start the kernel and warm it up; once more when it died on its way up (two
        kernels started at the same moment can pick the same free port, and the second
        dies before it replies: "Kernel died before replying to kernel_info")."""
        try:
            self._start_once()
        except RuntimeError as err:
            if "died before replying" not in str(err):
                raise
            self._start_once()

    def _start_once(self) -> None:
        from jupyter_core.utils import run_sync

        km = _kernel_manager_class()()
        run_sync(km.start_kernel)(cwd=self.cwd,
                                  extra_arguments=["--HistoryManager.hist_file=:memory:"])
        self._km = km
        self.kernel_starts += 1
        try:
            self._run_silently(f"__import__('kpitools.reports.runner', fromlist=['_'])"
                               f"._kernel_warm_up({list(self.preload)!r})")
        except BaseException:
            self._shutdown()
            raise

    def _shutdown(self) -> None:
        km, self._km = self._km, None
        if km is None:
            return
        from jupyter_core.utils import run_sync

        try:
            if run_sync(km.is_alive)():
                run_sync(km.shutdown_kernel)(now=True)
        finally:
            run_sync(km.cleanup_resources)()

    def _ready_kernel(self) -> Any:
        """The kernel manager of a running kernel, reset for a new report."""
        from jupyter_core.utils import run_sync

        if self._km is not None and not run_sync(self._km.is_alive)():
            self._shutdown()
        if self._km is None:
            self._start()
            return self._km
        try:
            self._run_silently("__import__('kpitools.reports.runner', fromlist=['_'])"
                               "._kernel_reset()")
        except Exception:
            self._shutdown()  # a fresh kernel rather than one in an unknown state
            self._start()
        return self._km

    def execute(self, source: Path, executed: Path, *, timeout: int = 600) -> None:
        """Execute the notebook at ``source`` with papermill in this session's kernel and
        write it to ``executed``; papermill's errors propagate as from a fresh kernel."""
        import papermill
        from papermill.exceptions import PapermillExecutionError

        km = self._ready_kernel()
        self.reports += 1
        try:
            papermill.execute_notebook(
                _no_braces(source), _no_braces(executed), parameters=None,
                kernel_name="python3", language="python", progress_bar=False,
                request_save_on_cell_execute=False, engine_name=_session_engine(), km=km,
                execution_timeout=timeout, start_timeout=self.startup_timeout,
            )
        except PapermillExecutionError:
            raise  # a cell raised: the kernel is fine, and is reset before the next report
        except BaseException:
            self._shutdown()  # timed out, died or interrupted: the next report gets a new one
            raise

    # -- renderers

    def html_exporter(self) -> Any:
        """The session's nbconvert exporter (`html_exporter`), made on first use."""
        if self._exporter is None:
            self._exporter = html_exporter()
        return self._exporter

    def font_config(self, engine: str = "auto") -> Any:
        """The session's WeasyPrint ``FontConfiguration`` (None for Chromium, or when
        WeasyPrint is not installed)."""
        if engine == "chromium":
            return None
        if self._fonts is None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    from weasyprint.text.fonts import FontConfiguration
            except ImportError:
                return None
            self._fonts = FontConfiguration()
        return self._fonts

    def close(self) -> None:
        """Shut the kernel down (a later report starts a new one)."""
        self._shutdown()


_WORKER_SESSION: ReportSession | None = None


def worker_session(cwd: str | os.PathLike[str] | None = None) -> ReportSession:
    """This process's `ReportSession`, made on first call and closed when the process ends
    (also in a `concurrent.futures.ProcessPoolExecutor` worker): what each worker of a batch
    of reports uses. A call with another ``cwd`` closes it and makes a new one."""
    global _WORKER_SESSION
    wanted = str(Path(cwd or os.getcwd()).resolve())
    if _WORKER_SESSION is not None and _WORKER_SESSION.cwd != wanted:
        _WORKER_SESSION.close()
        _WORKER_SESSION = None
    if _WORKER_SESSION is None:
        import atexit
        from multiprocessing import util

        _WORKER_SESSION = session = ReportSession(cwd=wanted)
        # a pool worker leaves through os._exit (no atexit): multiprocessing's finalizers run
        util.Finalize(session, session.close, exitpriority=10)
        atexit.register(session.close)
    return _WORKER_SESSION


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
    session: ReportSession | None = None,
) -> ReportResult:
    """Execute a report notebook with parameters and write it as HTML, PDF and/or ipynb.

    Parameters
    ----------
    notebook : str or path
        A notebook path, or the name of a bundled notebook (``"quarterly_report"``,
        ``"team_report"``, ``"competitor_benchmark"``, ``"explore"``).
    parameters : mapping, optional
        Values for the names in the notebook's ``parameters`` cell. An unknown name or a
        value of the wrong type raises `ReportParameterError` before anything runs (see
        `check_parameters`). The values reach the notebook only as Python literals of the
        declared type, written by kpitools (not by papermill) and read back with
        `ast.literal_eval` before the kernel starts: a tuple for a list arrives as a list,
        an int for a float as a float, and a string is received exactly as given.
    output_dir : str or path, default "reports"
        Root folder of the outputs.
    formats : str or sequence of str, default ("html", "pdf")
        Any of ``"html"``, ``"pdf"``, ``"ipynb"`` (the executed notebook), ``"xlsx"`` (every
        report table in one workbook: a README sheet with the provenance, then a sheet per
        table with the unrounded numbers and the ``ci_low``/``ci_high`` columns; see
        `write_xlsx`) and ``"csv"`` (the same tables as a folder ``<name>-tables/`` of CSV
        files; see `write_csv`); a comma-separated string is accepted. The tables are the
        report tables the notebook displayed (`collect_tables`).
    output_name : str, optional
        Path template below ``output_dir`` without extension, filled with the parameters
        (each by `path_component`: distinct values give distinct file names; see
        `check_output_name` for what is refused, e.g. ``..``, a backslash or an absolute
        path): default the notebook's ``metadata.kpitools.output_name`` (the bundled
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
        Working directory of the kernel (default: the current directory; with a
        ``session``, the session's).
    session : ReportSession, optional
        Run in this session's kernel (started on first use, its namespace reset before each
        report) and render with its HTML exporter and PDF fonts, instead of starting a
        kernel and loading the renderers for this one report: what batches of reports use
        (``kpitools report team --all-teams``). Outputs, file names and errors are the same.

    Returns
    -------
    ReportResult

    Raises
    ------
    ReportParameterError
        Unknown parameter, wrong type, unknown format or PDF engine, a bad output name, or
        an output folder that cannot be created or written (checked before the notebook
        runs).
    ReportExecutionError
        A cell failed. The message names the notebook, the cell (its 0-based index in the
        source notebook), the exception and the executed notebook, which is kept next to the
        outputs as ``<name>.failed.ipynb``.

    Notes
    -----
    Every output is written to a temporary file in its folder and renamed into place, so a
    schedule never sees a half-written report; a failed run leaves earlier reports as they
    were, and a successful run removes the ``<name>.failed.ipynb`` of an earlier failure.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    if session is not None:
        if cwd is not None and str(Path(cwd).resolve()) != session.cwd:
            raise ReportParameterError(f"cwd={str(cwd)!r} differs from the session's working "
                                       f"directory {session.cwd!r}")
        cwd = session.cwd
    path = find_notebook(notebook)
    params = dict(parameters or {})
    fmts = _parse_formats(formats)
    if pdf_engine not in PDF_ENGINES:
        raise ReportParameterError(
            f"pdf_engine={pdf_engine!r} is not valid; choose one of {', '.join(PDF_ENGINES)}")
    declared, values = _checked_parameters(path, params)
    filled = {**{k: _literal(v.get("default")) for k, v in declared.items()}, **values}
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("kpitools", {})
    if output_name is not None:
        check_output_name(output_name)
    template = output_name or meta.get("output_name") or _default_output_name(path, filled)
    if ("{period}" in template and filled.get("period") == "last-complete"
            and "data_dir" in declared):
        # the file goes under the quarter reported (reports/2026Q3/...), not under
        # reports/last-complete/; the kernel receives that same quarter
        say("resolving the period 'last-complete'")
        values["period"] = filled["period"] = _resolve_last_complete(filled, cwd)
    base = Path(output_dir) / output_stem(template, filled)
    report_title = title or meta.get("title") or path.stem.replace("_", " ").capitalize()
    timings: dict[str, float] = {}
    prepared = _inject_parameters(nb, parameters_source(path.name, values)) if values else nb
    check_output_dir(base.parent)  # before any kernel starts

    say(f"executing {path.name} ({len(nb.cells)} cells)")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kpitools-report-") as tmp:
        source_path = Path(tmp) / "source.ipynb"
        executed_path = Path(tmp) / "executed.ipynb"
        nbformat.write(prepared, source_path)
        try:
            if session is not None:
                session.execute(source_path, executed_path, timeout=timeout)
            else:
                # parameters=None: the values are already in the notebook as checked
                # literals; papermill's own translator would write tuples and unknown
                # objects as code
                papermill.execute_notebook(
                    _no_braces(source_path), _no_braces(executed_path), parameters=None,
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
    if "xlsx" in fmts or "csv" in fmts:
        say("writing the tables")
        t0 = time.perf_counter()
        tables = collect_tables(executed)
        about = {"report": report_title, "notebook": path.name, "kpitools version": _version(),
                 "generated": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
                 "parameters": filled}
        if "xlsx" in fmts:
            target = base.with_suffix(".xlsx")
            _atomic_write(target, write_xlsx(tables, about=about))
            outputs["xlsx"] = target
        if "csv" in fmts:
            outputs["csv"] = write_csv(tables, base.parent / f"{base.name}-tables", about=about)
        timings["tables"] = time.perf_counter() - t0

    page = None
    if "html" in fmts or "pdf" in fmts:
        say("rendering HTML")
        t0 = time.perf_counter()
        subtitle = _subtitle(filled)
        page = render_html(executed, title=report_title, subtitle=subtitle, parameters=filled,
                           exporter=session.html_exporter() if session is not None else None)
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
        _atomic_write(target, html_to_pdf(
            page, engine=pdf_engine,
            font_config=session.font_config(pdf_engine) if session is not None else None))
        outputs["pdf"] = target
        timings["pdf"] = time.perf_counter() - t0
    old_failed = base.parent / f"{base.name}.failed.ipynb"
    if old_failed.exists():  # a failure this run replaces
        old_failed.unlink()
    for f in fmts:
        say(f"wrote {outputs[f]}")
    return ReportResult(notebook=path, parameters=filled, outputs=outputs,
                        seconds=time.perf_counter() - started, timings=timings)


def _resolve_last_complete(filled: Mapping[str, Any],
                           cwd: str | os.PathLike[str] | None) -> str:
    """The quarter ``"last-complete"`` stands for in the notebook's data folder (read as the
    notebook reads it, relative to the kernel's working directory ``cwd``)."""
    from kpitools.reports.sections.setup import load_data, resolve_period

    folder = str(filled.get("data_dir") or "")
    if folder and not Path(folder).is_absolute():
        folder = str(Path(cwd or os.getcwd()) / folder)
    options: dict[str, Any] = {k: filled[k] for k in ("strict", "max_excluded_share")
                               if k in filled}
    with warnings.catch_warnings():
        # excluded rows are listed by the report itself (its data-quality appendix)
        warnings.simplefilter("ignore")
        data = load_data(folder, **options)
    return resolve_period("last-complete", data, today=str(filled.get("today") or "") or None)


def _inject_parameters(nb: Any, source: str) -> Any:
    """A copy of ``nb`` with ``source`` as a cell tagged ``injected-parameters`` right after
    the ``parameters`` cell (replacing any such cell already there), as papermill places it."""
    import copy

    import nbformat

    out = copy.deepcopy(nb)
    cells = [c for c in out.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    at = next((i + 1 for i, c in enumerate(cells)
               if "parameters" in c.metadata.get("tags", [])), 0)
    cell = nbformat.v4.new_code_cell(source=source, metadata={"tags": [INJECTED_TAG]})
    out.cells = [*cells[:at], cell, *cells[at:]]
    return out


def _no_braces(path: Path) -> str:
    """``path`` for papermill, which formats paths with ``str.format`` (``{`` and ``}``
    in a temporary folder's name would otherwise be read as fields)."""
    return str(path).replace("{", "{{").replace("}", "}}")


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
                parameters: Mapping[str, Any] | None = None, exporter: Any = None) -> str:
    """Render an executed notebook to one self-contained HTML page with the kpitools template.

    Code cells' inputs, prompts and stderr are left out; markdown, tables and figures
    (embedded as data URIs) are kept. A title page and a table of contents built from the
    ``##`` headings come first. The title, subtitle and parameters are HTML-escaped, and
    control characters anywhere in the page are replaced by U+FFFD (`scrub_controls`).

    ``exporter`` is one made by `html_exporter`, to reuse across reports (a new one by
    default).
    """
    if exporter is None:
        exporter = html_exporter()
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
    return scrub_controls(body.replace("<!-- kpitools:toc -->", toc, 1))


def html_exporter() -> Any:
    """The nbconvert `HTMLExporter` of the kpitools template (no inputs, no prompts)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="kpitools", extra_template_basedirs=[str(TEMPLATE_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def scrub_controls(text: str) -> str:
    """Replace control characters (C0 but tab, newline and carriage return; DEL; C1) by
    U+FFFD, the replacement character: they are not allowed in HTML, and a NUL from a team
    name would otherwise be written raw into the page.

    >>> scrub_controls("A\\x00B\\tC")
    'A\ufffdB\\tC'
    """
    return _CONTROL.sub("\ufffd", text)


def _version() -> str:
    from kpitools.core.version import __version__

    return __version__


def html_to_pdf(page: str, *, engine: str = "auto", font_config: Any = None) -> bytes:
    """Print an HTML page (from `render_html`) to PDF bytes on A4.

    ``engine="weasyprint"`` needs the ``pdf`` extra (``pip install kpitools[pdf]``);
    ``"chromium"`` needs a ``chromium`` (or ``google-chrome``) executable on the PATH;
    ``"auto"`` takes WeasyPrint when importable, else Chromium. ``font_config`` is a
    WeasyPrint ``FontConfiguration`` kept across pages (`ReportSession` does), ignored by
    Chromium.
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
            remember_font_subsets()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return weasyprint.HTML(string=page, base_url=".").write_pdf(
                    font_config=font_config)
    return _chromium_pdf(page)


#: Font subsets `remember_font_subsets` keeps (the least recently used is dropped first).
FONT_SUBSET_MEMO_SIZE = 64
_FONT_SUBSETS: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()


def remember_font_subsets() -> bool:
    """Make WeasyPrint's fontTools font subsetting remember its results in this process.

    Without the HarfBuzz-Subset system library, WeasyPrint subsets each embedded font with
    fontTools for every PDF (about 0.6 CPU s for a team report's four DejaVu faces). The
    subset is a function of the font file, the face index, the glyph ids used, the hinting
    option and whether a glyph was missing, and the reports of a batch use the same glyphs
    again and again; so the subset bytes are kept, keyed on exactly those (the font file by
    its SHA-256), for the last `FONT_SUBSET_MEMO_SIZE` fonts. The PDF is the same, except
    the embedded subset's ``head.modified`` time stamp, which fontTools sets to the time of
    subsetting (or ``SOURCE_DATE_EPOCH``). Returns False (and changes nothing) when this
    WeasyPrint has no ``Font._fonttools_subset`` to wrap.
    """
    try:
        with warnings.catch_warnings():  # WeasyPrint warns on import without HarfBuzz-Subset
            warnings.simplefilter("ignore", DeprecationWarning)
            from weasyprint.pdf import fonts
    except ImportError:
        return False
    font_class: Any = getattr(fonts, "Font", None)
    original = getattr(font_class, "_fonttools_subset", None)
    if original is None:
        return False
    if getattr(original, "_kpitools_memo", False):
        return True
    import inspect

    # the private method's shape this memo was written for (WeasyPrint 60-70); another
    # shape is left alone rather than wrapped wrongly
    if list(inspect.signature(original).parameters) != ["self", "to_unicode", "hinting"]:
        return False

    def _fonttools_subset(font: Any, to_unicode: Any, hinting: Any) -> None:
        try:
            content = font.file_content
            key = (hashlib.sha256(content).digest(), len(content), font.index,
                   frozenset(to_unicode), bool(hinting), bool(font.missing))
        except (AttributeError, TypeError):  # not the attributes the key needs: no memo
            original(font, to_unicode, hinting)
            return
        kept = _FONT_SUBSETS.get(key)
        if kept is not None:
            _FONT_SUBSETS.move_to_end(key)
            font.file_content = kept
            return
        original(font, to_unicode, hinting)
        _FONT_SUBSETS[key] = font.file_content
        while len(_FONT_SUBSETS) > FONT_SUBSET_MEMO_SIZE:
            _FONT_SUBSETS.popitem(last=False)

    _fonttools_subset._kpitools_memo = True  # type: ignore[attr-defined]
    _fonttools_subset.__wrapped__ = original  # type: ignore[attr-defined]
    font_class._fonttools_subset = _fonttools_subset
    return True


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


# --------------------------------------------------------------------------------------
# Tables for reuse: Excel and CSV

#: Characters Excel refuses in a sheet name.
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
#: Longest sheet name Excel accepts.
_SHEET_CHARS = 31


def table_bundle(tables: Iterable[Any]) -> dict[str, Any]:
    """The ``TABLE_MIME`` output that carries the raw numbers of report tables.

    Each table (anything with ``data``, a DataFrame, and optionally ``caption`` and ``notes``,
    such as `kpitools.reports.sections.ReportTable`) becomes ``{"caption", "notes",
    "columns", "kinds", "rows"}``: column names as text, each column's kind (``"number"``,
    ``"bool"``, ``"datetime"`` or ``"text"``), and the rows as JSON values — numbers
    unrounded, a missing value as ``null``, ±infinity as the text ``"inf"``/``"-inf"``,
    dates as ISO 8601 text. A named or non-default index becomes leading columns. Report
    tables return it from ``_repr_mimebundle_``, so the executed notebook holds every
    table's numbers beside its HTML (no pickle, nothing but JSON); `collect_tables` reads
    them back.

    >>> import pandas as pd
    >>> class T:
    ...     data = pd.DataFrame({"team": ["A"], "estimate": [1.5], "n": [3]})
    ...     caption = "NPS by team"
    >>> table_bundle([T()])[TABLE_MIME]["tables"][0]["rows"]
    [['A', 1.5, 3]]
    """
    return {TABLE_MIME: {"tables": [_table_payload(t) for t in tables]}}


def _table_payload(table: Any) -> dict[str, Any]:
    import pandas as pd

    frame = table.data if hasattr(table, "data") else table
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    if not isinstance(frame.index, pd.RangeIndex) or any(n is not None
                                                         for n in frame.index.names):
        frame = frame.reset_index()
    columns, seen = [], set()
    for c in frame.columns:
        name = "_".join(map(str, c)) if isinstance(c, tuple) else str(c)
        base, k = name, 2
        while name in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        columns.append(name)
    kinds = [_kind(frame.iloc[:, i]) for i in range(frame.shape[1])]
    rows = [[_json_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return {"caption": str(getattr(table, "caption", "") or ""),
            "notes": [str(n) for n in getattr(table, "notes", []) or []],
            "columns": columns, "kinds": kinds, "rows": rows}


def _kind(column: Any) -> str:
    import pandas as pd

    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "text"


def _json_cell(value: Any) -> Any:
    import math

    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return None
        return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")
    if isinstance(value, (_dt.date, _dt.datetime)):  # pandas.Timestamp is a datetime
        return value.isoformat()
    return str(value)


def collect_tables(notebook: Any) -> list[dict[str, Any]]:
    """Every report table of an executed notebook, in order (the ``TABLE_MIME`` outputs).

    Returns a list of ``{"caption", "notes", "columns", "kinds", "rows", "cell"}`` where
    ``cell`` is the 0-based index of the code cell that showed it.
    """
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            bundle = output.get("data", {}).get(TABLE_MIME)
            if isinstance(bundle, str):  # stored as text by some writers
                import json

                bundle = json.loads(bundle)
            for table in (bundle or {}).get("tables", []):
                found.append({**table, "cell": index})
    return found


def sheet_names(captions: Sequence[str]) -> list[str]:
    """Excel sheet names for table captions: at most 31 characters, none of ``[]:*?/\\``,
    no leading or trailing apostrophe, unique without regard to case (``" (2)"``, ... added),
    ``"Table N"`` for an empty caption; ``"README"`` is kept for the provenance sheet.

    >>> sheet_names(["NPS by team, 2026Q3 (Holm-adjusted p-values) and more", "", "NPS/CSAT",
    ...              "README"])
    ['NPS by team, 2026Q3 (Holm-adju…', 'Table 2', 'NPS-CSAT', 'README (2)']
    """
    used = {"readme"}
    names = []
    for i, caption in enumerate(captions, start=1):
        text = _SHEET_BAD.sub("-", _CONTROL.sub(" ", " ".join(str(caption).split())))
        text = text.strip("' ") or f"Table {i}"
        if len(text) > _SHEET_CHARS:
            text = text[:_SHEET_CHARS - 1].rstrip() + "…"
        name, k = text, 2
        while name.lower() in used or name.lower() == "history":
            suffix = f" ({k})"
            name = text[:_SHEET_CHARS - len(suffix)].rstrip("' ") + suffix
            k += 1
        used.add(name.lower())
        names.append(name)
    return names


def _provenance_rows(tables: Sequence[Mapping[str, Any]], names: Sequence[str],
                     about: Mapping[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = [["item", "value", "", ""]]
    for key, value in about.items():
        if key == "parameters":
            for pname, pvalue in dict(value).items():
                rows.append([f"parameter {pname}", _plain(pvalue), "", ""])
        else:
            rows.append([key, _plain(value), "", ""])
    rows.append(["numbers", "unrounded, as the report computed them; intervals in ci_low and "
                 "ci_high at the row's confidence_level; p-values unadjusted in pvalue, "
                 "adjusted in pvalue_adjusted", "", ""])
    rows.append(["", "", "", ""])
    rows.append(["table", "caption", "rows", "notes"])
    for name, table in zip(names, tables, strict=True):
        rows.append([name, table.get("caption", ""), len(table.get("rows", [])),
                     " ".join(table.get("notes", []))])
    return rows


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value) if isinstance(value, (list, tuple, dict)) else str(value)


def _excel_cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "datetime" and isinstance(value, str):
        try:
            stamp = _dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        # Excel has no time zones: keep the wall-clock time of the report's zone
        return stamp.replace(tzinfo=None)
    if kind == "number" and value in ("inf", "-inf"):
        return value  # Excel has no infinity: kept as text
    return value


def write_xlsx(tables: Sequence[Mapping[str, Any]], *, about: Mapping[str, Any]) -> bytes:
    """An Excel workbook of report tables (from `collect_tables`): a ``README`` sheet with
    the provenance (``about``: report, notebook, kpitools version, time, parameters) and
    the list of tables, then one sheet per table named by `sheet_names`, with a bold header
    row, frozen panes and real numbers (numbers, booleans and dates are Excel values, not
    text; missing values are empty cells).

    >>> import io, openpyxl, pandas as pd
    >>> class T:
    ...     data = pd.DataFrame({"team": ["A"], "estimate": [12.5], "ci_low": [3.0],
    ...                          "ci_high": [21.0]})
    ...     caption = "NPS by team"
    >>> tables = table_bundle([T()])[TABLE_MIME]["tables"]
    >>> book = openpyxl.load_workbook(io.BytesIO(write_xlsx(tables, about={"report": "Q"})))
    >>> book.sheetnames, book["NPS by team"]["B2"].value
    (['README', 'NPS by team'], 12.5)
    """
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    names = sheet_names([t.get("caption", "") for t in tables])
    book = Workbook()
    readme = book.active
    readme.title = "README"
    for row in _provenance_rows(tables, names, about):
        readme.append(row)
    for cell in readme[1]:
        cell.font = Font(bold=True)
    readme.column_dimensions["A"].width = 32
    readme.column_dimensions["B"].width = 90
    for name, table in zip(names, tables, strict=True):
        sheet = book.create_sheet(name)
        kinds = table.get("kinds") or ["text"] * len(table["columns"])
        sheet.append(list(table["columns"]))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.get("rows", []):
            sheet.append([_excel_cell(v, k) for v, k in zip(row, kinds, strict=True)])
        sheet.freeze_panes = "A2"
        for i, column in enumerate(table["columns"], start=1):
            width = max([len(str(column))] + [len(str(r[i - 1])) for r in table["rows"][:200]])
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(
                max(8, width + 2), 60)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def write_csv(tables: Sequence[Mapping[str, Any]], folder: Path, *,
              about: Mapping[str, Any]) -> Path:
    """Write report tables as CSV files (UTF-8, ``.`` decimal mark, unrounded numbers, empty
    for missing) into ``folder``: ``README.csv`` (the provenance and list of tables) and one
    ``NN-<caption slug>.csv`` per table. The folder is built beside ``folder`` and renamed
    into place, replacing an earlier one. Returns ``folder``.

    >>> import pandas as pd
    >>> class T:
    ...     data = pd.DataFrame({"team": ["A"], "estimate": [12.5]})
    ...     caption = "NPS by team"
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = write_csv(table_bundle([T()])[TABLE_MIME]["tables"], Path(tmp) / "q-tables",
    ...                        about={"report": "Q"})
    ...     names = sorted(f.name for f in folder.iterdir())
    ...     lines = (folder / "01-nps-by-team.csv").read_text().splitlines()
    >>> names, lines
    (['01-nps-by-team.csv', 'README.csv'], ['team,estimate', 'A,12.5'])
    """
    import csv
    import io

    names = [f"{i:02d}-{slugify(t.get('caption') or f'table {i}')[:60]}.csv"
             for i, t in enumerate(tables, start=1)]
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".part"))
    try:
        def dump(path: Path, rows: Iterable[Sequence[Any]]) -> None:
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
            path.write_text(buf.getvalue(), encoding="utf-8")

        dump(tmp / "README.csv", _provenance_rows(tables, names, about))
        for name, table in zip(names, tables, strict=True):
            dump(tmp / name, [table["columns"], *table.get("rows", [])])
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        old = None
        if folder.exists():
            old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.",
                                        suffix=".old"))
            os.replace(folder, old / "x")
        os.replace(tmp, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
