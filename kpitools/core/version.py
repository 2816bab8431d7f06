"""The installed kpitools version, read from the package metadata.

Modules inside the package read ``__version__`` from here rather than importing the top-level
``kpitools`` package (which would run every import of the package).

>>> from kpitools.core.version import __version__
>>> __version__.count(".") >= 1
True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__: str = version("kpitools")
except PackageNotFoundError:  # pragma: no cover - running from a source tree, not installed
    __version__ = "0+unknown"
