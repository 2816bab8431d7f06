"""Rebuild the bundled sample data: ``python -m kpitools.datasets``."""

from kpitools.datasets import regenerate

if __name__ == "__main__":  # pragma: no cover
    print(f"sample data written to {regenerate()}")
