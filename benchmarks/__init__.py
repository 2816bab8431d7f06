"""kpitools benchmarks: kpitools against pandas, DuckDB, Polars and a fused floor.

Run ``make bench`` or ``.venv/bin/python -m benchmarks [--full] [--only ...]``; see
`benchmarks.__main__` for the options and `benchmarks.harness` for the method.
"""
