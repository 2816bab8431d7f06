"""Run the kpitools benchmarks and print one table.

    .venv/bin/python -m benchmarks                 # every case, default sizes (~8 min on 2 cores)
    .venv/bin/python -m benchmarks --no-reports    # without the report cases (~5 min less)
    .venv/bin/python -m benchmarks --full          # the issue's sizes (long: tens of minutes)
    .venv/bin/python -m benchmarks --only frt,compare --rounds 7 --memory

Groups for ``--only``: survey, groups (many-groups NPS), frt, compare, logit, engines
(kpitools on Polars, PyArrow, DuckDB frames; ``--spark`` adds PySpark), startup
(``kpitools --help``), report (one team report, at most 3 rounds, and ``report team
--all-teams`` on 100 teams once; ``--full`` adds 12 reports against the one-by-one path),
warehouse (the quarterly report's data step from a Parquet
folder against a CSV folder of --rows surveys), engine-kpis (opt-in: backlog, NIA, churn and
NRR on DuckDB and Polars against kt on pandas and DuckDB SQL, --engine-rows tickets); or any
substring of a case key (e.g.
``nps-object``). Sizes accept 1M / 300k / 1000000, comma lists for several runs. The
defaults (``make bench``) run every case of issue 13: survey KPIs at 1M rows, NPS by 100k
customers at 1M rows and by 1M customers at 2M rows, FRT at 1M tickets, compare over 50
and 1,000 teams, regression on 130k customers, the engines at 1M rows, start-up and the
report cases.
``--full`` sets survey rows 1M,10M,50M; many groups 100k at 1M rows and 1M at 10M rows; FRT
rows 1M,10M; 1,000 teams for compare; engines at 1M,10M,50M rows with 400 and 100k teams and
a 100M-row Parquet folder through DuckDB (``--parquet-rows``). Run the 50M and 100M cases
one at a time (``flock /tmp/bigmem.lock ...``) and look at ``free -g`` first.

Every case checks first that each peer's numbers equal kpitools' (to 1e-9) and stops with an
error otherwise. Cases where the issue states its own target (compare against summarize,
regression against statsmodels, seconds per report of a batch) print whether it is met. The
default set (make bench) needs the ``bench`` extra: duckdb, polars, pyarrow.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from benchmarks import (
    bench_compare,
    bench_durations,
    bench_engine_kpis,
    bench_engines,
    bench_regression,
    bench_report,
    bench_report_rows,
    bench_startup,
    bench_survey,
    bench_ties,
    bench_warehouse,
)
from benchmarks.harness import (
    BenchmarkMismatch,
    Case,
    common_args,
    measure_memory,
    parse_rows,
    print_table,
    print_verdicts,
    probe_memory,
    profile_kt,
    run_case,
)

#: The issue whose "done when" a group of cases answers (the rest: issue 13).
FAMILIES = {"engines": "issue 12: kt on each engine", "warehouse": "issue 12: reports",
            "engine-kpis": "issue 12: the other KPIs on engines",
            "ties": "issue 12: durations in whole seconds at scale",
            "report-rows": "issue 12: reports from a long history"}

DEFAULTS = {"rows": "1M", "groups": "1M:100k,2M:1M", "frt_rows": "1M", "teams": "50,1000",
            "logit_rows": "130k", "engine_rows": "1M", "engine_groups": "400",
            "parquet_rows": ""}
FULL = {"rows": "1M,10M,50M", "groups": "1M:100k,10M:1M", "frt_rows": "1M,10M",
        "teams": "1000", "logit_rows": "130k", "engine_rows": "1M,10M,50M",
        "engine_groups": "400,100k", "parquet_rows": "100M"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the issue's sizes")
    parser.add_argument("--no-reports", action="store_true",
                        help="leave out the report cases (whole CLI runs, ~5 min)")
    parser.add_argument("--only", default="", help="comma list of groups or case-key parts")
    parser.add_argument("--rows", help=f"survey rows (default {DEFAULTS['rows']})")
    parser.add_argument("--groups", help="many-groups NPS as ROWS:GROUPS[,...] "
                        f"(default {DEFAULTS['groups']})")
    parser.add_argument("--frt-rows", help=f"tickets (default {DEFAULTS['frt_rows']})")
    parser.add_argument("--teams", help=f"teams for compare (default {DEFAULTS['teams']})")
    parser.add_argument("--logit-rows", help=f"customers (default {DEFAULTS['logit_rows']})")
    parser.add_argument("--engine-rows", help="rows of the kt-on-each-engine cases (default "
                        f"{DEFAULTS['engine_rows']}; --full 1M,10M)")
    parser.add_argument("--engine-groups", help="teams of the median-FRT engine cases "
                        f"(default {DEFAULTS['engine_groups']}; --full 400,100k)")
    parser.add_argument("--parquet-rows", help="rows of the Parquet-folder case through "
                        "DuckDB (default none; --full 100M; written once to /tmp)")
    parser.add_argument("--spark", action="store_true",
                        help="add PySpark (local mode) to the engines cases")
    parser.add_argument("--kpitools", metavar="DIR",
                        help="import kpitools from DIR/kpitools instead of the installed one "
                        "(e.g. a `git archive` of a baseline commit); not for the report case")
    parser.add_argument("--probe", nargs=2, metavar=("CASE", "METHOD"),
                        help=argparse.SUPPRESS)
    common_args(parser)
    return parser


def build_cases(opts: argparse.Namespace) -> list[Case]:
    sizes = FULL if opts.full else DEFAULTS

    def pick(name: str) -> str:
        value = getattr(opts, name)
        return value if value is not None else sizes[name]

    groups = []
    for part in pick("groups").split(","):
        rows, n = part.split(":")
        groups.append((parse_rows(rows)[0], parse_rows(n)[0]))
    seed = opts.seed
    tagged: list[tuple[str, Case]] = []
    tagged += [("survey", c) for c in bench_survey.cases(parse_rows(pick("rows")), [], seed)]
    tagged += [("groups", c) for c in bench_survey.cases([], groups, seed)]
    tagged += [("frt", c) for c in bench_durations.cases(parse_rows(pick("frt_rows")), seed)]
    tagged += [("compare", c) for c in bench_compare.cases(parse_rows(pick("teams")), seed)]
    tagged += [("logit", c) for c in bench_regression.cases(parse_rows(pick("logit_rows")),
                                                            seed)]
    parquet = pick("parquet_rows")
    tagged += [("engines", c) for c in bench_engines.cases(
        parse_rows(pick("engine_rows")), seed, spark=opts.spark,
        groups=parse_rows(pick("engine_groups")),
        parquet_rows=parse_rows(parquet) if parquet else [])]
    tagged += [("startup", c) for c in bench_startup.cases()]
    if "engine-kpis" in opts.only:  # opt-in: the KPIs decided from several columns
        tagged += [("engine-kpis", c) for c in bench_engine_kpis.cases(
            parse_rows(pick("engine_rows")), seed)]
    if "warehouse" in opts.only:  # writes a CSV and a Parquet folder of --rows surveys
        tagged += [("warehouse", c) for c in bench_warehouse.cases(parse_rows(pick("rows")),
                                                                   seed)]
    if "ties" in opts.only:  # opt-in: the bootstrap's baseline takes ~12 s a run
        tagged += [("ties", c) for c in bench_ties.cases([200_000], [1_000_000], seed)]
    if "report-rows" in opts.only:  # opt-in: writes --rows tickets and calls to /tmp
        tagged += [("report-rows", c) for c in bench_report_rows.cases(
            parse_rows(pick("rows")), seed)]
    only = [w.strip() for w in opts.only.split(",") if w.strip()]
    if not opts.no_reports or "report" in only:
        tagged += [("report", c) for c in bench_report.cases(full=opts.full)]
    if only:
        tagged = [(g, c) for g, c in tagged if any(w == g or w in c.key for w in only)]
    for group, case in tagged:  # one verdict line per issue that asks for the cases
        case.family = FAMILIES.get(group, "issue 13")
    return [c for _, c in tagged]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    opts = build_parser().parse_args(argv)
    if opts.kpitools:
        sys.path.insert(0, os.path.abspath(opts.kpitools))
    cases = build_cases(opts)
    if opts.probe:
        key, method = opts.probe
        case = next(c for c in cases if c.key == key)
        print(json.dumps({"peak_mb": probe_memory(case, method)}))
        return 0
    if opts.rounds < 5:
        print("note: fewer than 5 rounds; medians are rough", file=sys.stderr)
    t0 = time.perf_counter()
    print(f"{len(cases)} cases, {opts.rounds} rounds each (plus a warm-up that verifies every "
          "peer against kpitools)", file=sys.stderr)
    timings = []
    for case in cases:
        def log(msg: str) -> None:
            print(msg, file=sys.stderr, flush=True)
        try:
            result = run_case(case, opts.rounds, log=log)
        except BenchmarkMismatch as err:
            print(f"\nFAILED: {case.name} ({case.key}): {err}", file=sys.stderr)
            return 2
        if opts.memory and case.rows:
            probe_argv = [a for a in argv if a not in ("--memory", "--profile")]
            peaks = measure_memory(case, [t.method.name for t in result], probe_argv)
            for t in result:
                t.peak_mb = peaks[t.method.name]
        timings += result
    import kpitools

    print(f"\nkpitools {kpitools.__version__} from {os.path.dirname(kpitools.__file__)} — "
          f"{opts.rounds} interleaved rounds per case, {time.perf_counter() - t0:.0f} s\n")
    print_table(timings, memory=opts.memory)
    print_verdicts(timings)
    if opts.profile:
        for case in cases:
            profile_kt(case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
