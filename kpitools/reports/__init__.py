"""Layer 8, reports: `sections` (one call per report section), `runner` (papermill and
nbconvert), the bundled `notebooks/` and the nbconvert `templates/`.

`ReportSetup` and `setup_report` are imported on first use (:pep:`562`): the command line
imports `kpitools.reports.runner` to check ``--out`` and ``--format`` without loading the
sections (pandas, scipy, matplotlib).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kpitools.reports.sections import ReportSetup, setup_report

__all__ = ["ReportSetup", "setup_report"]


def __getattr__(name: str) -> Any:
    """`ReportSetup` and `setup_report` from `kpitools.reports.sections`, on first use."""
    if name in __all__:
        value = getattr(importlib.import_module("kpitools.reports.sections"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kpitools.reports' has no attribute {name!r}")
