"""Check a whole data folder at once: `validate_data` and its `ValidationReport`.

Every table is read as its mapping says (`kpitools.datasets.mapping`); every problem of every
table is listed in one run (`kpitools.datasets.quality`), before any report starts:

* **errors** stop a report: the mapping file has a mistake, a file cannot be read or decoded,
  a header is duplicated, a required column is absent, or more than ``max_excluded_share`` of
  a table's rows would be excluded;
* **warnings** are rows or values that will be excluded (and counted) when the report runs;
  ``strict=True`` makes each of them an error;
* **notes** say what was assumed (a table without a file, an optional column the source lacks,
  a quarter derived from dates).

A data file of the folder that no table reads is a warning (a table the mapping should name);
a folder of which no table at all can be read is an error.

``kpitools validate --data DIR`` prints this report; exit code 2 when there are errors.

Examples
--------
>>> report = validate_data(None)  # the bundled sample data
>>> report.ok, len(report.errors), len(report.warnings)
(True, 0, 0)
>>> list(report.to_frame().columns)  # doctest: +NORMALIZE_WHITESPACE
['table', 'column', 'severity', 'reason', 'count', 'n_rows', 'share', 'rows', 'values',
 'action', 'file']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.datasets.mapping import DataMapping, load_mapping
from kpitools.datasets.quality import Problems, format_problem_line
from kpitools.datasets.reading import (
    DEFAULT_MAX_EXCLUDED_SHARE,
    empty_table,
    find_source,
    read_table,
)
from kpitools.datasets.simulate import ServiceData
from kpitools.tables.schema import SCHEMA, SUMMARY_TABLES

__all__ = ["ValidationReport", "validate_data", "read_folder", "bundled_data_dir",
           "raise_first_error", "DATA_SUFFIXES"]


def bundled_data_dir() -> Path:
    """The folder of the bundled sample data."""
    return Path(__file__).resolve().parent


@dataclass(frozen=True)
class ValidationReport:
    """What `validate_data` found.

    Attributes
    ----------
    directory : Path
        The data folder.
    problems : pandas.DataFrame
        Every problem, in the data-quality schema (`kpitools.datasets.quality.QUALITY_COLUMNS`).
    tables : ServiceData
        The tables as read (bad rows excluded; a table with an error is empty).
    mapping : DataMapping
        The mapping used (defaults when the folder has no ``kpitools.toml``).
    """

    directory: Path
    problems: pd.DataFrame
    tables: ServiceData
    mapping: DataMapping

    def _of(self, severity: str) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == severity].reset_index(drop=True)

    @property
    def errors(self) -> pd.DataFrame:
        """The errors: the data cannot be used as they are."""
        return self._of("error")

    @property
    def warnings(self) -> pd.DataFrame:
        """The warnings: rows and values that are excluded, each counted."""
        return self._of("warning")

    @property
    def notes(self) -> pd.DataFrame:
        """The notes: what was assumed."""
        return self._of("note")

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return len(self.errors) == 0

    def to_frame(self) -> pd.DataFrame:
        """Every problem, errors first, then warnings, then notes."""
        return self.problems.copy()

    def lines(self) -> list[str]:
        """Every problem as one line of text, errors first."""
        return [format_problem_line(row) for _, row in self.problems.iterrows()]

    def __repr__(self) -> str:
        return (f"ValidationReport({str(self.directory)!r}: {len(self.errors)} errors, "
                f"{len(self.warnings)} warnings, {len(self.notes)} notes)")


def read_folder(directory: str | Path | None, *,
                max_excluded_share: float = DEFAULT_MAX_EXCLUDED_SHARE,
                strict: bool = False) -> ValidationReport:
    """Read every table of a folder, collecting every problem (never raises on bad data)."""
    if not 0.0 <= max_excluded_share <= 1.0:
        raise ValueError(f"max_excluded_share must be within 0 and 1, got "
                         f"{max_excluded_share!r}")
    folder = bundled_data_dir() if directory is None else Path(directory)
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder {folder} does not exist")
    problems = Problems()
    mapping = load_mapping(folder, problems)
    tables: dict[str, pd.DataFrame] = {}
    used: set[Path] = set()
    n_read = 0
    for name in SCHEMA:
        tmap = mapping.tables[name]
        path = find_source(folder, tmap)
        frame = None
        if path is None and tmap.file:
            problems.add(table=name, column=None, severity="error", file=str(folder / tmap.file),
                         reason=f"the file {tmap.file!r} named in kpitools.toml does not exist")
        elif path is None and name in SUMMARY_TABLES:
            pass  # totals per period are optional: most folders have none
        elif path is None:
            problems.add_missing_table(name, looked_for=f"{name}.csv, {name}.csv.gz"
                                       f"{' and kpitools.toml' if mapping.path else ''}")
        else:
            used.add(path.resolve())
            frame = read_table(path, tmap, problems, max_excluded_share=max_excluded_share)
            n_read += frame is not None
        tables[name] = empty_table(name) if frame is None else frame
    if directory is not None and folder.resolve() != bundled_data_dir():
        _unused_files(folder, used, n_read, mapping, problems)
    quality = problems.frame()
    if strict:  # every excluded row or value; a file no table reads stays a warning
        quality.loc[(quality["severity"] == "warning") & (quality["table"] != ""),
                    "severity"] = "error"
    order = {"error": 0, "warning": 1, "note": 2}
    quality = quality.sort_values("severity", key=lambda s: s.map(order), kind="stable"
                                  ).reset_index(drop=True)
    data = ServiceData(**tables, quality=quality[quality["severity"] != "error"].reset_index(
        drop=True), business_hours=mapping.business_hours, targets=mapping.targets)
    return ValidationReport(folder, quality, data, mapping)


#: Suffixes of the files that a table may be read from.
DATA_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".tsv", ".txt", ".gz", ".parquet", ".pq",
                                  ".xlsx", ".xlsm", ".xls")


def _unused_files(folder: Path, used: set[Path], n_read: int, mapping: DataMapping,
                  problems: Problems) -> None:
    """Warn about each data file that no table reads; error when no table is read at all."""
    files = sorted(p for p in folder.iterdir() if p.is_file()
                   and p.name.lower().endswith(DATA_SUFFIXES))
    unused = [p for p in files if p.resolve() not in used]
    how = ("name it in a [tables.<name>] section of kpitools.toml (file = \"...\")"
           if mapping.path else "run `kpitools init --data <folder>` to map it")
    for path in unused:
        problems.add(table="", column=None, severity="warning", file=str(path),
                     reason=f"no table reads this file: {how}, or move it out of the folder")
    if n_read == 0 and not any(r["severity"] == "error" for r in problems.records):
        listed = ", ".join(repr(p.name) for p in unused) or "none"
        problems.add(table="", column=None, severity="error", file=str(folder),
                     reason=f"no table can be read from this folder (data files not used: "
                            f"{listed}): {how}")


def validate_data(directory: str | Path | None, *,
                  max_excluded_share: float = DEFAULT_MAX_EXCLUDED_SHARE,
                  strict: bool = False) -> ValidationReport:
    """Check every table of a data folder and list every problem at once.

    Parameters
    ----------
    directory : str or Path or None
        The data folder (None: the bundled sample data). A ``kpitools.toml`` in it says how
        to read its files (`kpitools.datasets.mapping`).
    max_excluded_share : float, default 0.05
        Above this share of a table's rows with excluded values, the table is an error (a
        mapping mistake, not noise); so is a single problem that affects more rows.
    strict : bool, default False
        Make every warning about a table (every excluded row) an error; a file that no
        table reads stays a warning.

    Returns
    -------
    ValidationReport
        ``.errors``, ``.warnings``, ``.notes`` (tidy DataFrames with the columns ``table,
        column, severity, reason, count, n_rows, share, rows, values, action, file``),
        ``.tables`` (the data as read, a `ServiceData`), ``.ok``, ``.to_frame()``,
        ``.lines()``.

    Raises
    ------
    FileNotFoundError
        The folder does not exist.
    """
    return read_folder(directory, max_excluded_share=max_excluded_share, strict=strict)


def raise_first_error(errors: pd.DataFrame, directory: Path,
                      report: ValidationReport | None = None) -> None:
    """Raise a `DataValidationError` for the first of ``errors`` (naming how many more).

    The exception carries the whole report as ``error.report`` (None when not given).
    """
    if not len(errors):
        return
    first = errors.iloc[0]
    more = len(errors) - 1
    detail = f" ({first['rows']}: {first['values']})" if first["rows"] else ""
    if more:
        detail += (f" (and {more} more error{'s' if more > 1 else ''}: kpitools validate --data "
                   f"{directory} lists them all)")
    column = first["column"] if isinstance(first["column"], str) else None
    error = DataValidationError(first["reason"] + detail, column=column,
                                path=first["file"] if isinstance(first["file"], str) else None)
    error.report = report  # type: ignore[attr-defined]
    raise error
