"""A quarterly report's ticket and call sections from a long history: the rows of the
report's periods only (``setup_report(report_rows=True)``, what the notebooks do) against
every row in pandas (the named baseline: the notebooks before).

The store is a Parquet folder: the bundled sample's small tables and its tickets and calls
repeated to ``rows`` each over four years (each copy shifted by whole years back and by up
to an hour, ids made unique), written once by DuckDB into ``/tmp``. Each method reads it
(`setup_report`, the memo forgotten first) and builds the sections that read tickets and
calls: the executive summary (its operations table), the channel table and the volume
heat map; the two must render the same HTML.

    .venv/bin/python -m benchmarks --only report-rows --rows 10M --memory
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.harness import KT, BenchmarkMismatch, Case, Method

#: The baseline's name in the table: every ticket and call in pandas, as before.
BASELINE = "every row (before)"
PERIOD = "2026Q3"
ROOT = Path("/tmp/kpitools-bench-report-rows")
YEARS = 4


def store(rows: int, seed: int) -> Path:
    """The Parquet folder of ``rows`` tickets and ``rows`` calls (written once, kept)."""
    import duckdb

    from kpitools.datasets import load_sample_data

    folder = ROOT / f"{rows}-{seed}"
    if (folder / "calls.parquet").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    sample = load_sample_data()
    con = duckdb.connect()
    con.execute(f"SELECT setseed({(seed % 1000) / 1000})").fetchall()
    times = {"tickets": ("created_at", "first_response_at", "resolved_at"),
             "calls": ("offered_at", "answered_at")}
    for name, frame in sample.tables().items():
        if name not in times:
            frame.to_parquet(folder / f"{name}.parquet")
            continue
        con.register("source_frame", frame)
        ident = "ticket_id" if name == "tickets" else "call_id"
        copies = max(1, -(-rows // len(frame)))
        # copy k: k // 2 times two years back (the sample spans two), up to an hour apart
        shifted = ", ".join(
            f"{c} - to_years(((k % {YEARS // 2}) * 2)::INTEGER) + to_seconds(j) AS {c}"
            if c in times[name] else (f"{c} || '-' || k AS {c}" if c == ident else c)
            for c in frame.columns)
        con.execute(
            f"COPY (SELECT {shifted} FROM (SELECT *, k, (floor(random() * 7200) - 3600)"
            f"::BIGINT AS j FROM source_frame, range({copies}) AS r(k)) LIMIT {rows}) "
            f"TO '{folder / f'{name}.parquet'}' (FORMAT parquet)")
        con.unregister("source_frame")
    con.close()
    return folder


def _report(folder: Path, report_rows: bool) -> list[str]:
    from benchmarks.bench_warehouse import forget_results
    from kpitools import datasets
    from kpitools.reports import sections as rp

    datasets.clear_memo()  # the reads and the sections' results are not remembered
    forget_results()
    report = rp.setup_report(period=PERIOD, data_dir=folder, identifiers=False,
                             counted=True, report_rows=report_rows)
    data = report.data
    parts = [rp.executive_summary(data, period=report.period),
             rp.channel_operations_table(data.tickets, period=report.period),
             rp.volume_heatmap_figure(data.tickets, calls=data.calls, period=report.period)]
    return [p._repr_html_() for p in parts]


def cases(rows_list: list[int], seed: int) -> list[Case]:
    out = []
    for rows in rows_list:
        def setup(rows: int = rows) -> list[Method]:
            folder = store(rows, seed)
            return [Method(KT, lambda: _report(folder, True), "kt"),
                    Method(BASELINE, lambda: _report(folder, False), "ref")]

        def verify(res: dict[str, Any]) -> None:
            if res[KT] != res[BASELINE]:
                raise BenchmarkMismatch(f"{BASELINE}: the sections differ from kpitools'")

        out.append(Case(f"report set-up + ticket and call sections, {YEARS} years", rows, 0,
                        setup, verify, key=f"report-rows-{rows}", max_rounds=3,
                        note=f"{rows:,} tickets and {rows:,} calls; {PERIOD} reads 3 of "
                             f"{4 * YEARS} quarters; baseline: every row in pandas"))
    return out
