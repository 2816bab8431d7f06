"""Report parameters as safe Python literals of the declared type.

papermill writes parameters into a notebook with its own translator, which renders a tuple
(and any object it does not know) with ``str()``: a tuple holding a string with a quote in it
becomes code. kpitools does not use that translator. Here each value is checked against the
type declared in the notebook's ``parameters`` cell, turned into plain Python values (``str``,
``int``, ``float``, ``bool``, ``None``, ``list``, ``tuple``, ``dict`` — exact types, never
subclasses, so no ``__repr__`` of the caller's runs), rendered with `repr`, and the rendered
cell is parsed back with `ast.literal_eval` and compared with the values before anything runs.
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Mapping
from typing import Any

from kpitools.core.errors import ReportParameterError

__all__ = ["coerce_parameter", "parameters_source", "INJECTED_TAG"]

#: Tag of the cell holding the injected values (the one papermill uses, so tools that know
#: papermill's executed notebooks recognise it).
INJECTED_TAG = "injected-parameters"
_MAX_DEPTH = 32
_ANY: tuple[str] = ("any",)
_SIMPLE = {"str", "int", "float", "bool", "none"}


class _Mismatch(Exception):
    """A value that does not fit the declared type.

    ``where`` locates the offending part inside the value (``"[2]"``, ``"['a']"``), ``part``
    is that part, and ``problem`` says what is wrong when "not of the declared type" is not
    enough (a non-finite float, too deep a nesting, an object of another type).
    """

    def __init__(self, part: Any, where: str, problem: str = "") -> None:
        super().__init__(problem)
        self.part = part
        self.where = where
        self.problem = problem


def _parse_type(type_name: str) -> tuple[Any, ...]:
    """Turn papermill's ``inferred_type_name`` into a small type tree.

    Understood: ``str``, ``int``, ``float``, ``bool``, ``None``, ``list[X]``, ``tuple[X, ...]``,
    ``dict[K, V]``, ``Optional[X]``, ``Union[X, Y]`` and ``X | Y`` (typing's capitalised names
    too). Anything else (no annotation, ``Any``, a class) accepts any safe literal.
    """
    text = type_name.strip()
    if text.lower() in ("", "none"):  # papermill's "None" means "no annotation"
        return _ANY
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return _ANY
    return _type_node(node)


def _type_node(node: ast.expr) -> tuple[Any, ...]:
    if isinstance(node, ast.Constant) and node.value is None:
        return ("none",)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _parse_type(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return ("union", [_type_node(node.left), _type_node(node.right)])
    if isinstance(node, ast.Name | ast.Attribute):
        name = (node.id if isinstance(node, ast.Name) else node.attr).lower()
        if name in ("str", "int", "float", "bool"):
            return (name,)
        if name == "list":
            return ("list", _ANY)
        if name == "tuple":
            return ("tuple", _ANY)
        if name == "dict":
            return ("dict", _ANY, _ANY)
        return _ANY
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name | ast.Attribute):
        base = node.value
        name = (base.id if isinstance(base, ast.Name) else base.attr).lower()
        args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if name == "list" and len(args) == 1:
            return ("list", _type_node(args[0]))
        if name == "tuple":
            if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is ...:
                return ("tuple", _type_node(args[0]))
            return ("tuple", _ANY)
        if name == "dict" and len(args) == 2:
            return ("dict", _type_node(args[0]), _type_node(args[1]))
        if name == "optional" and len(args) == 1:
            return ("union", [_type_node(args[0]), ("none",)])
        if name == "union":
            return ("union", [_type_node(a) for a in args])
    return _ANY


def _coerce(value: Any, spec: tuple[Any, ...], where: str, depth: int) -> Any:
    """``value`` as plain Python values of type ``spec``; `_Mismatch` if it does not fit."""
    if depth > _MAX_DEPTH:
        raise _Mismatch(value, where, f"is nested more than {_MAX_DEPTH} levels deep")
    kind = spec[0]
    if kind == "any":
        return _coerce_any(value, where, depth)
    if kind == "union":
        for option in spec[1]:
            try:
                return _coerce(value, option, where, depth)
            except _Mismatch:
                continue
        raise _Mismatch(value, where)
    if kind == "none":
        if value is None:
            return None
        raise _Mismatch(value, where)
    if kind == "str":
        if isinstance(value, str):
            return str.__str__(value)  # an exact str, whatever the subclass overrides
        raise _Mismatch(value, where)
    if kind == "bool":
        if value is True or value is False or _is_numpy(value, "bool_"):
            return bool(value)
        raise _Mismatch(value, where)
    if kind == "int":
        if isinstance(value, bool) or _is_numpy(value, "bool_"):
            raise _Mismatch(value, where)
        if isinstance(value, int):
            return int.__int__(value)
        if _is_numpy(value, "integer"):
            return int(value)
        raise _Mismatch(value, where)
    if kind == "float":
        if isinstance(value, bool) or _is_numpy(value, "bool_"):
            raise _Mismatch(value, where)
        if isinstance(value, int):
            number = float(int.__int__(value))
        elif isinstance(value, float):
            number = float.__float__(value)
        elif _is_numpy(value, "integer") or _is_numpy(value, "floating"):
            number = float(value)
        else:
            raise _Mismatch(value, where)
        if not math.isfinite(number):
            raise _Mismatch(value, where, f"must be a finite number, got {number!r}")
        return number
    if kind in ("list", "tuple"):
        if not isinstance(value, list | tuple):
            raise _Mismatch(value, where)
        items = [_coerce(item, spec[1], f"{where}[{i}]", depth + 1)
                 for i, item in enumerate(list.__iter__(value) if isinstance(value, list)
                                          else tuple.__iter__(value))]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        if not isinstance(value, dict):
            raise _Mismatch(value, where)
        out: dict[Any, Any] = {}
        for key, item in dict.items(value):
            at_key = f"{where} key {_short(key)}".strip()
            safe_key = _coerce(key, spec[1], at_key, depth + 1)
            if not _is_key(safe_key):
                raise _Mismatch(key, where, f"has a key of type {type(key).__name__}; keys "
                                "must be str, int, float, bool or None")
            out[safe_key] = _coerce(item, spec[2], f"{where}[{_short(safe_key)}]", depth + 1)
        return out
    raise AssertionError(f"unknown type spec {spec!r}")  # pragma: no cover


def _coerce_any(value: Any, where: str, depth: int) -> Any:
    """Any value made of str, int, float, bool, None, list, tuple and dict (tuples → lists)."""
    if value is None:
        return None
    for kind in ("bool", "str", "int", "float"):
        try:
            return _coerce(value, (kind,), where, depth)
        except _Mismatch as err:
            if err.problem:
                raise
    if isinstance(value, list | tuple):
        return _coerce(value, ("list", _ANY), where, depth)
    if isinstance(value, dict):
        return _coerce(value, ("dict", _ANY, _ANY), where, depth)
    raise _Mismatch(value, where, f"holds a {type(value).__name__}; a notebook parameter is "
                    "made of str, int, float, bool, None, list, tuple and dict only")


def _is_numpy(value: Any, kind: str) -> bool:
    import sys

    np = sys.modules.get("numpy")
    return np is not None and isinstance(value, getattr(np, kind))


def _is_key(value: Any) -> bool:
    return value is None or type(value) in (str, int, float, bool)


def _short(value: Any, limit: int = 60) -> str:
    """A bounded ``repr`` of a plain value (the type name for anything else)."""
    if value is None or type(value) in (str, int, float, bool, list, tuple, dict):
        try:
            text = repr(value)
        except ValueError:  # an int beyond sys.get_int_max_str_digits()
            return f"<int of {value.bit_length()} bits>"
        return text if len(text) <= limit else text[: limit - 1] + "…"
    return f"<{type(value).__name__}>"


def coerce_parameter(notebook: str, name: str, value: Any, type_name: str) -> Any:
    """``value`` as plain Python values of the declared ``type_name``.

    An ``int`` for a ``float`` becomes a float, a tuple for a ``list`` a list (and tuples
    inside containers lists), numpy scalars Python ones. Anything else that does not fit
    raises `ReportParameterError` naming the notebook, the parameter and the value.
    """
    spec = _parse_type(type_name)
    try:
        return _coerce(value, spec, "", 0)
    except _Mismatch as err:
        where = f" at {err.where}" if err.where else ""
        if err.problem:
            message = f"parameter {name!r}{where} {err.problem}"
        elif err.where:
            message = (f"parameter {name!r} must be {type_name}, but at {err.where} there is "
                       f"{type(err.part).__name__} {_short(err.part)}")
        else:
            message = (f"parameter {name!r} must be {type_name}, got {type(value).__name__} "
                       f"{_short(value)}")
        raise ReportParameterError(f"{notebook}: {message}") from None


def parameters_source(notebook: str, values: Mapping[str, Any]) -> str:
    """The source of the injected-parameters cell: ``name = <repr(value)>`` per parameter.

    Every right-hand side is parsed back with `ast.literal_eval` and must equal the value
    (same types, recursively) — a last check that nothing but literals reaches the kernel.
    """
    lines = ["# Parameters (injected by kpitools as Python literals)"]
    for name, value in values.items():
        if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
            raise ReportParameterError(f"{notebook}: {name!r} is not a parameter name")
        try:
            rendered = repr(value)
        except ValueError as err:  # an int with more digits than Python prints
            raise ReportParameterError(f"{notebook}: parameter {name!r}: {err}") from None
        lines.append(f"{name} = {rendered}")
    source = "\n".join(lines) + "\n"
    _verify_source(notebook, source, values)
    return source


def _verify_source(notebook: str, source: str, values: Mapping[str, Any]) -> None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, RecursionError, MemoryError):
        raise ReportParameterError(f"{notebook}: the parameters could not be written as "
                                   "Python literals") from None
    names = list(values)
    if len(tree.body) != len(names):
        raise ReportParameterError(f"{notebook}: the parameters did not render as one "
                                   "assignment each")
    for statement, name in zip(tree.body, names, strict=True):
        ok = False
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and statement.targets[0].id == name):
            try:
                ok = _same(ast.literal_eval(statement.value), values[name])
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                ok = False
        if not ok:
            raise ReportParameterError(
                f"{notebook}: parameter {name!r} does not render as a Python literal")


def _same(a: Any, b: Any) -> bool:
    """Equal values of identical types, recursively (so ``1 == 1.0 == True`` do not pass)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return (len(a) == len(b)
                and all(_same(k, k2) and _same(a[k], b[k2]) for k, k2 in zip(a, b, strict=True)))
    return bool(a == b)
