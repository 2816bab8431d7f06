"""Layer 8, reports: `sections` (one call per report section), `runner` (papermill and
nbconvert), the bundled `notebooks/` and the nbconvert `templates/`.
"""

from kpitools.reports.sections import ReportSetup, setup_report

__all__ = ["ReportSetup", "setup_report"]
