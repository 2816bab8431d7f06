"""Layer 7, retention research: `join` (cohort data), `prepare` (shared column checks),
`correlation`, `regression`, `survival`, `dose_response` and their `plots`.
"""
