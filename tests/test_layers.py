"""The package's layers: each folder of kpitools is one layer, and imports run one way.

Every module under ``kpitools/`` is parsed with `ast` (imports inside functions count too)
and mapped to its layer by its folder. The rules:

(a) a module imports only from its own layer or a lower one;
(b) no ``_private`` name (or ``_private`` module) is imported from a module in another folder:
    a helper used across folders is public in its module;
(c) no module imports the top-level ``kpitools`` package (``import kpitools``,
    ``from kpitools import nps``), except the top layer (``__init__``, ``cli``, ``__main__``);
    e.g. the version comes from ``kpitools.core.version``.

A new module goes into one of the layer folders; a module outside them fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "kpitools"

#: Layer of each folder, bottom to top. The top-level modules form the last layer.
LAYERS: dict[str, int] = {
    "core": 0,
    "stats": 1,
    "tables": 2,
    "datasets": 3,
    "kpis": 4,
    "engines": 4,  # KPIs on any engine: sufficient statistics (Narwhals), then the kpis' own
    "grouping": 5,
    "plots": 6,
    "research": 7,
    "reports": 8,
}
TOP_LAYER = 9
TOP_MODULES = {"kpitools", "kpitools.__main__", "kpitools.cli"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def folder_of(module: str) -> str:
    """The layer folder of a module ("" for the top-level package and its top modules)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else ""


def layer_of(module: str) -> int | None:
    """Layer of a module, or None when it sits outside every layer folder."""
    folder = folder_of(module)
    if folder:
        return LAYERS[folder]
    return TOP_LAYER if module in TOP_MODULES else None


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _exists(module: str) -> bool:
    """Whether ``module`` (kpitools.x.y) is a module or package in the source tree."""
    rel = Path(*module.split(".")[1:]) if "." in module else Path()
    base = PACKAGE_DIR / rel
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def kpitools_imports(source: str, module: str, package: bool) -> list[tuple[int, str, list[str]]]:
    """Every import of kpitools in ``source``: (line, imported module, imported names).

    ``from kpitools.a import b`` where ``b`` is a submodule is recorded as an import of
    ``kpitools.a.b``; relative imports are resolved against ``module``.
    """
    found: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "kpitools" or alias.name.startswith("kpitools."):
                    found.append((node.lineno, alias.name, []))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target != "kpitools" and not target.startswith("kpitools."):
                continue
            plain = []
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if _exists(sub):
                    found.append((node.lineno, sub, []))
                else:
                    plain.append(alias.name)
            if plain:
                found.append((node.lineno, target, plain))
    return found


def violations(source: str, module: str, *, package: bool = False) -> list[str]:
    """The layering rules broken by ``source``, the text of module ``module``."""
    out = []
    own_layer = layer_of(module)
    if own_layer is None:
        return [f"{module}: not in a layer folder ({', '.join(LAYERS)}) nor a top module"]
    own_folder = folder_of(module)
    for line, target, names in kpitools_imports(source, module, package):
        where = f"{module}:{line}: imports {target}" + (f" ({', '.join(names)})" if names else "")
        target_layer = layer_of(target)
        if target_layer is None:
            out.append(f"{where}, which is in no layer")
            continue
        if target_layer > own_layer:  # (a)
            out.append(f"{where}: layer {own_layer} ({own_folder or 'top'}) must not import "
                       f"from layer {target_layer} ({folder_of(target) or 'top'})")
        if folder_of(target) != own_folder:  # (b)
            private = [n for n in names if _is_private(n)]
            private += [p for p in target.split(".") if _is_private(p)]
            if private:
                out.append(f"{where}: private {', '.join(private)} from another folder")
        if target == "kpitools" and module not in TOP_MODULES:  # (c)
            out.append(f"{where}: the top-level package is imported from inside the package")
    return out


MODULES = sorted(PACKAGE_DIR.rglob("*.py"))


def test_every_folder_is_a_layer():
    folders = {p.name for p in PACKAGE_DIR.iterdir()
               if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders == set(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_follow_the_layers(path):
    found = violations(path.read_text(encoding="utf-8"), module_name(path),
                       package=is_package(path))
    assert not found, "\n".join(found)


# The rules above can fail: planted violations are caught.

@pytest.mark.parametrize("module, source, message", [
    ("kpitools.stats.intervals", "from kpitools.kpis.survey import nps\n",
     "layer 1 (stats) must not import from layer 4 (kpis)"),
    ("kpitools.core.results", "def f():\n    from kpitools.reports import runner\n",
     "layer 0 (core) must not import from layer 8 (reports)"),
    ("kpitools.kpis.durations", "import kpitools.grouping.frames\n",
     "layer 4 (kpis) must not import from layer 5 (grouping)"),
    ("kpitools.reports.sections", "from kpitools.kpis.volume import _rate_comparison\n",
     "private _rate_comparison from another folder"),
    ("kpitools.research.plots", "from kpitools.plots import _base\n",
     "private _base from another folder"),
    ("kpitools.research.plots", "from kpitools.plots._helpers import axes\n",
     "private _helpers from another folder"),
    ("kpitools.research.join", "import kpitools\n",
     "the top-level package is imported from inside the package"),
    ("kpitools.reports.runner", "from kpitools import __version__\n",
     "the top-level package is imported from inside the package"),
    ("kpitools.kpis.survey", "from .. import nps\n",
     "the top-level package is imported from inside the package"),
    ("kpitools.helpers", "x = 1\n", "not in a layer folder"),
    ("kpitools.datasets", "from . import simulate\nfrom ..stats import _x\n",
     "private _x from another folder"),
])
def test_planted_violations_are_caught(module, source, message):
    found = violations(source, module, package=module == "kpitools.datasets")
    assert any(message in v for v in found), found


@pytest.mark.parametrize("module, source", [
    ("kpitools.kpis.survey_groups", "from kpitools.kpis.survey import _clean_scale\n"),
    ("kpitools.reports.runner", "from kpitools.core.version import __version__\n"),
    ("kpitools.cli", "import kpitools\nfrom kpitools.reports.runner import run_report\n"),
    ("kpitools", "from kpitools import datasets, stats\nfrom kpitools.stats import intervals\n"),
    ("kpitools.research.plots", "from kpitools.plots.base import PALETTE, get_axes\n"),
])
def test_allowed_imports_pass(module, source):
    assert violations(source, module, package=module == "kpitools") == []
