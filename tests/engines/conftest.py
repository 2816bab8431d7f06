"""Fixtures of the engine tests (the Spark session lives in `engine_frames`)."""

from engine_frames import spark  # noqa: F401  (the session-scoped fixture)
