"""The quarterly report's data step from a CSV folder against a Parquet folder (DuckDB).

N simulated survey answers (a fast numpy generator: 8 quarters 2024Q4–2026Q3, six teams,
three channels, NPS 0–10, CSAT 1–5, CES 1–7; the other tables are the bundled sample data)
are written once as a CSV folder (``surveys.csv`` and the sample ``*.csv.gz``) and as a
Parquet folder (every table as ``NAME.parquet``), then:

- ``data step``: `kpitools.reports.sections.setup_report` (read and check every table, resolve
  the period, hash the input) from each folder; the tables must be equal;
- ``sections`` (``--sections``): every section of the quarterly notebook on the tables read,
  without the kernel and nbconvert (the same code for both routes once the tables are read).

    .venv/bin/python -m benchmarks.bench_warehouse --rows 5M
    flock /tmp/bigmem.lock .venv/bin/python -m benchmarks.bench_warehouse --rows 50M --no-csv

In the combined table (``python -m benchmarks --only warehouse``) the data step is one case:
kpitools from the Parquet folder against the same from the CSV folder (peer).
"""

from __future__ import annotations

import argparse
import ast
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import KT, Case, Method, parse_rows

TEAMS = ("Billing", "Onboarding", "Retention", "Technical", "Returns", "Sales")
CHANNELS = ("email", "phone", "chat")
PERIOD = "2026Q3"


def make_surveys(n: int, seed: int = 1) -> Any:
    """``n`` survey answers as a PyArrow table with the columns of the surveys schema."""
    import pandas as pd
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-10-01")
    days = int((np.datetime64("2026-10-01") - start).astype(int))
    date = start + np.sort(rng.integers(0, days, n)).astype("timedelta64[D]")
    quarter = pd.PeriodIndex(date, freq="Q").astype(str).to_numpy()
    team = pa.DictionaryArray.from_arrays(rng.integers(0, len(TEAMS), n).astype(np.int8),
                                          list(TEAMS)).cast(pa.string())
    channel = pa.DictionaryArray.from_arrays(rng.integers(0, len(CHANNELS), n).astype(np.int8),
                                             list(CHANNELS)).cast(pa.string())
    return pa.table({
        "response_id": pa.array(np.char.add("R", np.arange(n).astype("U10"))),
        "customer_id": pa.array(np.char.add("C", rng.integers(0, 10**6, n).astype("U7"))),
        "team": team, "channel": channel, "quarter": pa.array(quarter),
        "date": pa.array(date.astype("datetime64[s]")).cast(pa.date32()),
        "nps": rng.integers(0, 11, n), "csat": rng.integers(1, 6, n),
        "ces": rng.integers(1, 8, n)})


def write_folders(n: int, root: Path, seed: int = 1, csv: bool = True) -> tuple[Path, Path]:
    """Write the CSV folder and the Parquet folder of ``n`` surveys under ``root``
    (``csv=False``: the Parquet folder only; the CSV folder is then empty)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from kpitools.datasets import DATA_DIR, load_sample_data

    csv_dir, pq_dir = root / "csv", root / "parquet"
    csv_dir.mkdir(parents=True, exist_ok=True)
    pq_dir.mkdir(parents=True, exist_ok=True)
    table = make_surveys(n, seed)
    if csv:
        pacsv.write_csv(table, csv_dir / "surveys.csv")
    pq.write_table(table, pq_dir / "surveys.parquet")
    del table
    sample = load_sample_data()
    for name, frame in sample.tables().items():
        if name != "surveys":
            if csv:
                shutil.copy(DATA_DIR / f"{name}.csv.gz", csv_dir / f"{name}.csv.gz")
            frame.to_parquet(pq_dir / f"{name}.parquet")
    return csv_dir, pq_dir


def data_step(folder: Path | str, identifiers: bool = True, counted: bool = False,
              report_rows: bool = False) -> Any:
    """`setup_report` of the quarterly report from ``folder``: read, check, period, hash
    (``counted``: the surveys as counts of the distinct answers; ``report_rows``: the
    tickets and calls of the report's periods only; the notebook reads both ways)."""
    from kpitools.reports.sections import setup_report

    return setup_report(period=PERIOD, data_dir=folder, parameters={"confidence_level": 0.95},
                        identifiers=identifiers, counted=counted, report_rows=report_rows)


def sections(report: Any) -> list[Any]:
    """Every section cell of the quarterly notebook (after its set-up cell) on ``report``."""
    from kpitools.reports.runner import find_notebook

    nb = json.loads(find_notebook("quarterly_report").read_text())
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    ns: dict[str, Any] = {"report": report, "data": report.data, "period": report.period,
                          "organisation": "", "confidence_level": 0.95, "nps_target": 30.0,
                          "csat_target": 75.0, "ces_target": 5.0}
    exec("import kpitools as kt\nfrom kpitools.reports import sections as rp", ns)  # noqa: S102
    out = []
    for source in cells[2:]:
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<cell>", "exec"), ns)  # noqa: S102
        if last is not None:
            out.append(eval(compile(ast.Expression(last.value), "<cell>", "eval"), ns))  # noqa: S307
    return out


def _check_equal(a: Any, b: Any) -> None:
    import pandas as pd

    from kpitools.tables.schema import ANSWER_COUNT

    def canonical(frame: Any) -> Any:  # counted surveys: the same counts in any row order
        if ANSWER_COUNT not in frame.columns:
            return frame
        keys = [c for c in frame.columns if c != ANSWER_COUNT]
        text = frame.astype({c: object for c in keys})
        return text.sort_values(keys, key=lambda v: v.astype(str), kind="stable"
                                ).reset_index(drop=True)

    for name, frame in a.data.tables().items():
        pd.testing.assert_frame_equal(canonical(frame), canonical(b.data.tables()[name]),
                                      check_dtype=ANSWER_COUNT not in frame.columns)
    if a.period != b.period:
        raise AssertionError(f"periods differ: {a.period} != {b.period}")


def cases(rows: list[int], seed: int) -> list[Case]:
    """The data-step case of ``python -m benchmarks``: Parquet (kt) against CSV (peer)."""
    out = []
    for n in rows:
        holder: dict[str, Any] = {}

        def setup(n: int = n, holder: dict[str, Any] = holder) -> list[Method]:
            root = Path(tempfile.mkdtemp(prefix="kpitools-bench-warehouse-"))
            holder["root"] = root
            csv_dir, pq_dir = write_folders(n, root, seed)
            # as the notebooks read the data: no identifiers, the surveys counted, the
            # tickets and calls of the report's periods
            return [Method(KT, lambda: data_step(pq_dir, False, True, True), "kt"),
                    Method("CSV folder", lambda: _unremembered(csv_dir))]

        def verify(results: dict[str, Any]) -> None:
            _check_equal(results["CSV folder"], results[KT])

        out.append(Case("quarterly report data step", n, 0, setup, verify,
                        note="setup_report(identifiers=False, counted=True, report_rows=True): "
                             "read, check, count the surveys, period, hash",
                        key=f"warehouse-{n}"))
    return out


def _unremembered(folder: Path) -> Any:
    """`data_step` of a CSV folder read anew: `read_service_data` remembers a folder it
    read (the next report of a batch), which would time a dictionary look-up."""
    from kpitools import datasets

    datasets.clear_memo()
    return data_step(folder, False, True, True)


def forget_results() -> None:
    """Empty the tables the sections remember (`remember_results`, `standout_table`)."""
    import importlib

    def module(name: str) -> Any:
        return importlib.import_module(f"kpitools.reports.sections.{name}")

    for name, function in (("headline", "headline_table"), ("teams", "team_league_table"),
                           ("operations", "operations_table")):
        getattr(module(name), function).cache_clear()
    module("standout")._RESULTS.clear()


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_warehouse",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1M", help="survey rows (1M, 5M, 50M)")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds")
    parser.add_argument("--no-csv", action="store_true",
                        help="Parquet only, no CSV folder written (CSV at 50M needs more "
                             "memory than the machine)")
    parser.add_argument("--sections", action="store_true",
                        help="also time every section of the quarterly notebook")
    parser.add_argument("--keep", metavar="DIR", help="write the folders here and keep them")
    parser.add_argument("--no-identifiers", action="store_true",
                        help="read the surveys without response_id and customer_id "
                             "(setup_report(identifiers=False))")
    parser.add_argument("--counted", action="store_true",
                        help="read as the report notebooks do: the surveys as counts of the "
                             "distinct answers, the tickets and calls of the report's "
                             "periods (setup_report(counted=True, report_rows=True))")
    opts = parser.parse_args(argv)
    n = parse_rows(opts.rows)[0]
    root = Path(opts.keep) if opts.keep else Path(tempfile.mkdtemp(prefix="kpitools-wh-"))
    try:
        t0 = time.perf_counter()
        csv_dir, pq_dir = write_folders(n, root, csv=not opts.no_csv)
        size = {d.name: sum(p.stat().st_size for p in d.iterdir()) / 1e9
                for d in (csv_dir, pq_dir)}
        sizes = ("" if opts.no_csv else f"CSV {size['csv']:.2f} GB, ") + (
            f"Parquet {size['parquet']:.2f} GB")
        print(f"{n:,} surveys written in {time.perf_counter() - t0:.0f} s ({sizes})",
              flush=True)
        warm = data_step("")  # bundled data: imports and first calls, paid by neither route
        import kpitools.engines.warehouse  # noqa: F401  (imported by the Parquet route only)
        if opts.sections:
            sections(warm)
        routes = [("parquet", pq_dir)] + ([] if opts.no_csv else [("csv", csv_dir)])
        times: dict[str, list[float]] = {r: [] for r, _ in routes}
        reports: dict[str, Any] = {}
        for _ in range(opts.rounds):
            for route, folder in routes:
                reports.pop(route, None)
                t = time.perf_counter()
                reports[route] = data_step(folder, identifiers=not opts.no_identifiers,
                                           counted=opts.counted, report_rows=opts.counted)
                times[route].append(time.perf_counter() - t)
                print(f"  data step {route}: {times[route][-1]:.1f} s "
                      f"(peak RSS so far {_peak_gb():.1f} GB)", flush=True)
        if "csv" in reports:
            _check_equal(reports["csv"], reports["parquet"])
            print("  tables equal (CSV and Parquet)")
        med = {r: float(np.median(v)) for r, v in times.items()}
        line = f"data step, {n:,} surveys: Parquet {med['parquet']:.1f} s"
        if "csv" in med:
            line += f", CSV {med['csv']:.1f} s ({med['csv'] / med['parquet']:.0f}x)"
        print(line, flush=True)
        if opts.sections:
            for route, _ in routes:
                forget_results()  # each route computes its own tables
                t = time.perf_counter()
                sections(reports[route])
                print(f"  sections from {route}: {time.perf_counter() - t:.1f} s "
                      f"(peak RSS {_peak_gb():.1f} GB)", flush=True)
    finally:
        if not opts.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
