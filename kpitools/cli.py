"""The ``kpitools`` command line: reports from one command, for people and for schedules.

Exit codes
----------
0   success
1   any other error (unknown period or team, unknown parameter, missing PDF engine, ...): one
    line on stderr
2   bad input: a usage error (unknown option, bad value for an option), or a data file that
    cannot be read or fails validation (one line naming the file, the column and the value,
    found before any notebook kernel starts)
3   a report notebook failed while executing: one line naming the notebook, the cell and the
    exception, and where the executed notebook was kept

``kpitools --debug ...`` also prints the Python traceback of an error (same exit codes).

The commands are thin: they parse options, call `kpitools.reports.runner.run_report`, and print.

Start-up is fast (``kpitools --help`` and a refused option in a fraction of a second): this
module imports only click and `kpitools.core.errors` at module level. A command imports what it
uses inside its function, and the option callbacks (--period, --out, --format, --name) use
modules that load no pandas, scipy, matplotlib, papermill or nbconvert
(``tests/cli/test_startup.py`` holds this).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kpitools.core.errors import KpiToolsError, ReportExecutionError, ReportParameterError

__all__ = ["cli", "EXIT_ERROR", "EXIT_USAGE", "EXIT_BAD_INPUT", "EXIT_NOTEBOOK_FAILED"]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BAD_INPUT = 2
EXIT_NOTEBOOK_FAILED = 3

#: Errors turned into one line on stderr (with ``--debug``, the traceback too).
_ERRORS = (KpiToolsError, OSError, ValueError, EOFError)

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class NotebookFailed(click.ClickException):
    """A failed notebook: exit code 3."""

    exit_code = EXIT_NOTEBOOK_FAILED


class BadInput(click.ClickException):
    """A data file that cannot be read or fails validation: exit code 2."""

    exit_code = EXIT_BAD_INPUT


def _debug() -> bool:
    """Whether ``kpitools --debug`` was given."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().params.get("debug"))


def _one_line(err: BaseException) -> str:
    """The error's message on one line (the exception's name when it has no message)."""
    text = " ".join(part.strip() for part in str(err).splitlines() if part.strip())
    return text or type(err).__name__


def _fail(err: Exception, *, bad_input: bool = False) -> click.ClickException:
    """The one-line click error for ``err`` (after its traceback, under ``--debug``)."""
    if _debug():
        traceback.print_exception(type(err), err, err.__traceback__, file=sys.stderr)
    if isinstance(err, ReportExecutionError):
        return NotebookFailed(_one_line(err))
    if bad_input or isinstance(err, ReportParameterError):  # a parameter, --out or --name
        return BadInput(_one_line(err))
    return click.ClickException(_one_line(err))


def _check_data(data: Path | None, *, strict: bool = False,
                max_excluded_share: float = 0.05) -> Any:
    """Read every table of the data folder before any notebook kernel starts; return them.

    Bad input thus fails in a second, as one line naming the file, the column and the value
    (exit code 2), instead of inside a notebook. Any table may be absent (its report
    sections then say so). Invalid rows are excluded and listed in the report's "Data
    quality" appendix; with ``strict`` any of them, and above ``max_excluded_share`` of a
    table's rows (a mapping mistake), is an error listed on that one line.

    A Parquet folder or ``.duckdb`` file is checked in DuckDB, and only what this process
    reads comes to pandas (the period, the teams: surveys counted, tickets and calls as
    their teams and days); the report's kernel reads its own rows.
    """
    from kpitools.reports.sections import load_data

    try:
        stored = False
        if data is not None:  # the bundled data need not import the engines
            from kpitools.engines.warehouse import is_warehouse

            stored = is_warehouse(data)
        return load_data(data if data is not None else "", strict=strict,
                         max_excluded_share=max_excluded_share, identifiers=not stored,
                         counted=stored, days=stored)
    except (*_ERRORS, UnicodeError) as err:
        report = getattr(err, "report", None)  # every error of the folder, when known
        errors = getattr(report, "errors", None)
        if errors is not None and len(errors) > 1:
            from kpitools.datasets.quality import format_problem_line

            err = KpiToolsError(f"{len(errors)} errors in {data}: " + "; ".join(
                format_problem_line(row) for _, row in errors.iterrows()))
        elif not isinstance(err, KpiToolsError) and str(data) not in str(err):
            err.args = (f"{data}: {type(err).__name__}: {_one_line(err)}",)
        raise _fail(err, bad_input=True) from None


# ---------------------------------------------------------------------- shared options

def data_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--data", "data", type=click.Path(exists=True, path_type=Path),
        default=None, metavar="DIR",
        help="Folder with surveys.csv, tickets.csv, ... (.csv or .csv.gz), a folder of "
             "Parquet tables (surveys.parquet, ...) or a .duckdb file. "
             "Default: the bundled sample data.")(f)


def _check_period(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """``--period``: 'last-complete', one quarter (2026Q3, 2026-Q3), month (2026-03) or ISO
    week (2026-W14); never a year or a date."""
    from kpitools.tables.periods import parse_report_period

    if value == "last-complete":
        return value
    try:
        return str(parse_report_period(value))
    except ValueError as err:
        raise click.BadParameter(f"{err}, or last-complete") from None


def _check_share(_ctx: click.Context, _param: click.Parameter, value: str) -> float:
    """``--max-excluded-share``: a share, as 0.05 or 5%."""
    text = value.strip()
    try:
        share = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a share; give e.g. 0.05 or 5%") from None
    if not 0 <= share <= 1:
        raise click.BadParameter(f"{value!r} is not a share between 0 and 1 (or 0% and 100%)")
    return share


def quality_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--strict`` and ``--max-excluded-share`` of the report commands."""
    f = click.option(
        "--max-excluded-share", default="0.05", show_default=True, metavar="SHARE",
        callback=_check_share,
        help="Stop before running when more than this share of a table's rows is excluded "
             "as invalid (0.05 or 5%): that is a mapping mistake, not noise.")(f)
    return click.option(
        "--strict", is_flag=True,
        help="Stop before running when any row would be excluded as invalid (exit 2, the "
             "problems on one line). Without it they are left out and listed in the "
             "report's 'Data quality' appendix.")(f)


def _quality_params(strict: bool, max_excluded_share: float) -> dict[str, Any]:
    """The notebook parameters for ``--strict`` and ``--max-excluded-share``, when not the
    defaults (the notebook's set-up checks them again on the data it reads)."""
    out: dict[str, Any] = {"strict": True} if strict else {}
    if max_excluded_share != 0.05:
        out["max_excluded_share"] = max_excluded_share
    return out


def period_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--period", default="last-complete", show_default=True, metavar="PERIOD",
        callback=_check_period,
        help="Period to report: a quarter (2026Q3 or 2026-Q3), a month (2026-03) or an ISO "
             "week (2026-W14), compared with the previous one of its kind and the same one "
             "a year before; or 'last-complete' (the latest quarter in the data that has "
             "ended; for schedules). A year or a date is refused.")(f)


def format_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format", "formats", default="html,pdf", show_default=True, metavar="LIST",
        help="Comma-separated output formats: html, pdf, ipynb, xlsx (every table in one "
        "workbook), csv (a folder of CSV files).")(f)


class OutputNotWritable(click.ClickException):
    """``--out`` cannot be created or written: one line, exit code 2, before any kernel."""

    exit_code = EXIT_USAGE


def _check_out(_ctx: click.Context, _param: click.Parameter, value: Path) -> Path:
    """``--out``: a folder this user can write in, or can create (nothing is created here)."""
    from kpitools.reports.runner import check_output_dir

    try:
        return check_output_dir(value, create=False)
    except KpiToolsError as err:
        raise OutputNotWritable(str(err)) from None


def out_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
        callback=_check_out, show_default=True,
        help="Root folder of the reports (reports/2026Q3/quarterly.html); created if missing. "
             "Checked before any notebook runs.")(f)


def pdf_engine_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--pdf-engine", type=click.Choice(["auto", "weasyprint", "chromium"]), default="auto",
        show_default=True, help="How PDFs are printed.")(f)


def quiet_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("-q", "--quiet", is_flag=True, help="Do not show progress.")(f)


def _check_formats(formats: str) -> str:
    from kpitools.reports.runner import FORMATS

    items = [x.strip() for x in formats.split(",") if x.strip()]
    bad = [x for x in items if x not in FORMATS]
    if bad or not items:
        raise click.BadParameter(f"{', '.join(bad) or formats!r}: choose from "
                                 f"{', '.join(FORMATS)}", param_hint="'--format'")
    return ",".join(items)


def _progress(label: str, quiet: bool) -> Callable[[str], None] | None:
    if quiet:
        return None
    return lambda msg: click.echo(f"[{label}] {msg}", err=True)


def _resolve_period(period: str, tables: Any) -> str:
    """'last-complete' or a quarter, month or week, from every table with dates (not only the
    surveys).

    Quarter labels in the data that are not quarters ("Q1 2021") are bad input (exit 2).
    """
    from kpitools.core.errors import DataValidationError
    from kpitools.reports.sections import data_quarters, resolve_period

    try:
        data_quarters(tables)
    except DataValidationError as err:
        raise _fail(err, bad_input=True) from None
    return resolve_period(period, tables)


def _data_param(data: Path | None) -> str:
    return str(data.resolve()) if data is not None else ""


def _echo_result(result: Any) -> None:
    for path in result.outputs.values():
        click.echo(str(path))


# ---------------------------------------------------------------------- commands

@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="kpitools", prog_name="kpitools")
@click.option("--debug", is_flag=True,
              help="On an error, also print the Python traceback (same exit codes).")
def cli(debug: bool) -> None:
    """Customer-service KPIs with confidence intervals, and reports from one command.

    Exit codes: 0 success, 1 error, 2 bad input (usage, or a data file that cannot be read),
    3 a report notebook failed. Errors are one line; --debug adds the traceback.
    """


@cli.group(context_settings=CONTEXT_SETTINGS)
def report() -> None:
    """Render report notebooks to HTML and PDF (reports/<period>/<name>.html)."""


@report.command("quarterly", context_settings=CONTEXT_SETTINGS)
@data_option
@period_option
@format_option
@out_option
@pdf_engine_option
@quality_options
@quiet_option
def report_quarterly(data: Path | None, period: str, formats: str, out: Path, pdf_engine: str,
                     strict: bool, max_excluded_share: float, quiet: bool) -> None:
    """The quarterly customer-service report: headline KPIs, trends, teams, channels,
    competitors. Writes OUT/<period>/quarterly.html and .pdf.

    Example: kpitools report quarterly --data data/ --period last-complete --out reports/
    """
    from kpitools.reports.runner import run_report

    formats = _check_formats(formats)
    tables = _check_data(data, strict=strict, max_excluded_share=max_excluded_share)
    try:
        quarter = _resolve_period(period, tables)
        result = run_report("quarterly_report",
                            {"period": quarter, "data_dir": _data_param(data),
                             **_quality_params(strict, max_excluded_share)},
                            out, formats=formats, output_name="{period}/quarterly",
                            pdf_engine=pdf_engine, progress=_progress("quarterly", quiet))
    except _ERRORS as err:
        raise _fail(err) from None
    _echo_result(result)


def _run_team(team: str, params: dict[str, Any], out: str, formats: str, pdf_engine: str,
              quiet: bool, session: Any = None) -> list[str]:
    """One team report (a top-level function, so that a process pool can run it).

    ``session`` is the `kpitools.reports.runner.ReportSession` of a batch; ``"worker"``
    takes this process's own (`kpitools.reports.runner.worker_session`: one kernel and one
    set of renderers per pool worker, kept from one team to the next).
    """
    from kpitools.reports import runner

    if session == "worker":
        session = runner.worker_session()
    result = runner.run_report("team_report", {**params, "team": team}, out, formats=formats,
                               output_name="{period}/team-{team}", pdf_engine=pdf_engine,
                               progress=_progress(f"team {team}", quiet), session=session)
    return [str(p) for p in result.outputs.values()]


@report.command("team", context_settings=CONTEXT_SETTINGS)
@click.option("--team", "teams", multiple=True, metavar="NAME",
              help="Team to report (repeat for several).")
@click.option("--all-teams", is_flag=True, help="One report per team found in the data.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Reports rendered in parallel (default: the number of cores).")
@data_option
@period_option
@format_option
@out_option
@pdf_engine_option
@quality_options
@quiet_option
def report_team(teams: tuple[str, ...], all_teams: bool, jobs: int | None, data: Path | None,
                period: str, formats: str, out: Path, pdf_engine: str, strict: bool,
                max_excluded_share: float, quiet: bool) -> None:
    """One team in depth: OUT/<period>/team-<team>.html and .pdf; --all-teams renders every
    team, several at a time (each worker keeps one notebook kernel, reset between teams)."""
    if bool(teams) == all_teams:
        raise click.UsageError("give --team NAME (one or more) or --all-teams")
    from concurrent.futures import ProcessPoolExecutor, as_completed

    formats = _check_formats(formats)
    tables = _check_data(data, strict=strict, max_excluded_share=max_excluded_share)
    try:
        quarter = _resolve_period(period, tables)
        known = sorted({str(t) for name in ("surveys", "tickets", "calls")
                        for t in getattr(tables, name)["team"].dropna()})
        chosen = known if all_teams else list(dict.fromkeys(teams))
        unknown = [t for t in chosen if t not in known]
        if unknown:
            raise KpiToolsError(f"team {unknown[0]!r} is not in the data; teams are "
                                f"{', '.join(known)}")
        params = {"period": quarter, "data_dir": _data_param(data),
                  **_quality_params(strict, max_excluded_share)}
        _check_distinct_names("{period}/team-{team}", "team", chosen, params)
        workers = min(jobs or os.cpu_count() or 1, len(chosen))
        if workers <= 1:
            from kpitools.reports.runner import ReportSession

            with ReportSession() as session:
                for team in chosen:
                    for path in _run_team(team, params, str(out), formats, pdf_engine, quiet,
                                          session if len(chosen) > 1 else None):
                        click.echo(path)
            return
        failures: list[Exception] = []
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_run_team, team, params, str(out), formats, pdf_engine,
                                   quiet, "worker"): team for team in chosen}
            for future in as_completed(futures):
                try:
                    for path in future.result():
                        click.echo(path)
                except KpiToolsError as err:
                    click.echo(f"Error: {err}", err=True)
                    failures.append(err)
        if failures:
            raise failures[0]
    except _ERRORS as err:
        raise _fail(err) from None


@report.command("competitor", context_settings=CONTEXT_SETTINGS)
@data_option
@period_option
@click.option("--quarters", type=click.IntRange(min=1), default=4, show_default=True,
              help="Quarters in the quarter-by-quarter table.")
@format_option
@out_option
@pdf_engine_option
@quality_options
@quiet_option
def report_competitor(data: Path | None, period: str, quarters: int, formats: str, out: Path,
                      pdf_engine: str, strict: bool, max_excluded_share: float,
                      quiet: bool) -> None:
    """Us against each competitor, KPI by KPI: OUT/<period>/competitor_benchmark.html."""
    from kpitools.reports.runner import run_report

    formats = _check_formats(formats)
    tables = _check_data(data, strict=strict, max_excluded_share=max_excluded_share)
    try:
        quarter = _resolve_period(period, tables)
        result = run_report("competitor_benchmark",
                            {"period": quarter, "data_dir": _data_param(data),
                             "n_quarters": quarters,
                             **_quality_params(strict, max_excluded_share)},
                            out, formats=formats, output_name="{period}/competitor_benchmark",
                            pdf_engine=pdf_engine, progress=_progress("competitor", quiet))
    except _ERRORS as err:
        raise _fail(err) from None
    _echo_result(result)


def _check_distinct_names(template: str, key: str, values: list[str],
                          params: dict[str, Any]) -> None:
    """Refuse, before any notebook runs, several reports that would share a file name (or a
    name the file system would refuse); `kpitools.reports.runner.path_component` makes this a
    48-bit SHA-256 prefix collision, but a schedule should never overwrite in silence."""
    from kpitools.reports.runner import output_stem

    seen: dict[str, str] = {}
    for value in values:
        stem = output_stem(template, {**params, key: value})
        if stem.casefold() in seen:
            raise KpiToolsError(f"{key} {seen[stem.casefold()]!r} and {value!r} would both be "
                                f"written to {stem}.*; rename one of them")
        seen[stem.casefold()] = value


def _parse_param(text: str) -> tuple[str, Any]:
    """``NAME=VALUE``: VALUE as a Python literal if it is one, else as plain text.

    Only `ast.literal_eval` reads VALUE (no code runs); `kpitools.reports.runner.run_report` then
    checks it against the declared type and writes it into the notebook as a literal.
    """
    import ast

    if "=" not in text:
        raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="'-p'")
    name, raw = text.split("=", 1)
    try:
        value = ast.literal_eval(raw)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        value = raw
    return name.strip(), value


def _check_name(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """``--name``: a relative path template below --out (no '..', backslash or NUL)."""
    from kpitools.reports.runner import check_output_name

    if value is None:
        return None
    try:
        return check_output_name(value)
    except KpiToolsError as err:
        raise click.BadParameter(str(err)) from None


@report.command("run", context_settings=CONTEXT_SETTINGS)
@click.argument("notebook")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A notebook parameter (a Python literal, or plain text).")
@click.option("--name", "output_name", default=None, metavar="TEMPLATE", callback=_check_name,
              help="Output path below --out, e.g. '{period}/retention' (default: from the "
                   "notebook name); '..', '\\' and absolute paths are refused.")
@format_option
@out_option
@pdf_engine_option
@quiet_option
def report_run(notebook: str, params: tuple[str, ...], output_name: str | None, formats: str,
               out: Path, pdf_engine: str, quiet: bool) -> None:
    """Render any parameterised NOTEBOOK (a path or a bundled name) with -p NAME=VALUE."""
    from kpitools.reports.runner import run_report

    formats = _check_formats(formats)
    parameters = dict(_parse_param(p) for p in params)
    for key in ("data_dir", "data_path"):  # a data folder is read before the kernel starts
        value = parameters.get(key)
        if isinstance(value, str) and value and Path(value).is_dir():
            _check_data(Path(value))
    try:
        result = run_report(notebook, parameters, out, formats=formats, output_name=output_name,
                            pdf_engine=pdf_engine, progress=_progress(Path(notebook).stem, quiet))
    except _ERRORS as err:
        raise _fail(err) from None
    _echo_result(result)


@cli.command("demo", context_settings=CONTEXT_SETTINGS)
@format_option
@out_option
@pdf_engine_option
@quiet_option
def demo(formats: str, out: Path, pdf_engine: str, quiet: bool) -> None:
    """Run the quarterly report on the bundled sample data (its last quarter)."""
    from kpitools.datasets import load_dataset
    from kpitools.reports.runner import run_report

    formats = _check_formats(formats)
    try:
        quarters = sorted(load_dataset("surveys")["quarter"].astype(str).unique())
        result = run_report("quarterly_report", {"period": quarters[-1]}, out, formats=formats,
                            output_name="{period}/quarterly", pdf_engine=pdf_engine,
                            progress=_progress("demo", quiet))
    except _ERRORS as err:
        raise _fail(err) from None
    _echo_result(result)


@cli.command("init", context_settings=CONTEXT_SETTINGS)
@click.option("--data", "data", required=True, metavar="DIR",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The folder with your exported files.")
@click.option("--force", is_flag=True, help="Replace an existing kpitools.toml.")
def init(data: Path, force: bool) -> None:
    """Write a starter DIR/kpitools.toml from the files in DIR, every guess marked.

    Edit it, then run `kpitools validate --data DIR`. An existing mapping is never replaced
    without --force.
    """
    from kpitools.datasets.sniff import write_mapping

    try:
        path = write_mapping(data, force=force)
    except (*_ERRORS, UnicodeError) as err:
        raise _fail(err) from None
    click.echo(str(path))


@cli.command("validate", context_settings=CONTEXT_SETTINGS)
@click.option("--data", "data", required=True, metavar="DIR",
              type=click.Path(exists=True, path_type=Path),
              help="The data folder (with its kpitools.toml, if any), a folder of Parquet "
                   "tables or a .duckdb file.")
@click.option("--strict", is_flag=True, help="Every excluded row is an error.")
@click.option("--max-excluded-share", default="0.05", show_default=True, metavar="SHARE",
              callback=_check_share,
              help="Above this share of a table's rows excluded (0.05 or 5%), the table is "
                   "an error.")
@click.option("--notes", "show_notes", is_flag=True, help="Also list the notes.")
def validate(data: Path, strict: bool, max_excluded_share: float, show_notes: bool) -> None:
    """Check every table of DIR and list every problem, one line each: errors, then
    warnings (rows that reports exclude). Exit code 2 when there is an error.
    """
    from kpitools.datasets import validate_data
    from kpitools.datasets.quality import format_problem_line
    from kpitools.engines.warehouse import is_warehouse, read_warehouse

    try:
        if is_warehouse(data):  # every row checked in DuckDB; none need come to pandas
            report = read_warehouse(data, strict=strict, max_excluded_share=max_excluded_share,
                                    identifiers=False, counted=True, days=True)
        elif data.is_file():
            raise ValueError(f"--data {str(data)!r}: a file must be a .duckdb database; "
                             "give the folder of a CSV data set")
        else:
            report = validate_data(data, strict=strict, max_excluded_share=max_excluded_share)
    except (*_ERRORS, UnicodeError) as err:
        raise _fail(err, bad_input=True) from None
    for title, frame in (("Errors", report.errors), ("Warnings", report.warnings),
                         ("Notes", report.notes if show_notes else report.notes.iloc[:0])):
        if len(frame):
            click.echo(f"{title} ({len(frame)}):")
            for _, row in frame.iterrows():
                click.echo("  " + format_problem_line(row))
    summary = (f"{data}: {len(report.errors)} errors, {len(report.warnings)} warnings, "
               f"{len(report.notes)} notes")
    if not report.ok:
        click.echo(summary, err=True)
        raise SystemExit(EXIT_BAD_INPUT)
    click.echo(summary)


def main() -> None:  # pragma: no cover
    """Entry point of ``python -m kpitools``."""
    cli(prog_name="kpitools")


if __name__ == "__main__":  # pragma: no cover
    main()
