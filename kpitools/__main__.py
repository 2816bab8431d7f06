"""``python -m kpitools``: the command line (see `kpitools.cli`)."""

from kpitools.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
