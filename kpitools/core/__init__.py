"""Layer 0, the foundation: errors, result classes, number display, input validation, version.

Modules here import nothing else from kpitools. See `kpitools` for the layer map.
"""
