"""Layer 8, reports: `sections` (one call per report section), `runner` (papermill and
nbconvert), the bundled `notebooks/` and the nbconvert `templates/`.
"""
