"""Type checks of plain JSON data against the model's dataclasses, before anything trusts it.

``model.from_dict`` rebuilds objects from data the tool wrote itself and does
not check types. Data from elsewhere (an imported export, an event log edited
by hand or written by another version) is checked here first, so that a string
``order`` or a numeric ``note`` is reported as one clear line naming the field,
not met later as a ``TypeError`` deep in a sort or a table.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def problem(tp: Any, value: Any, where: str = "") -> str | None:
    """Why ``value`` is not of type ``tp`` (``where`` names the field), or None when it is."""
    label = where or "value"
    if tp is Any:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        reasons = [problem(a, value, where) for a in args if a is not type(None)]
        return None if any(r is None for r in reasons) else reasons[0]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            return f"{label} must be an object, not {_kind(value)}"
        hints = _hints(tp)
        for field in dataclasses.fields(tp):
            sub = f"{where}.{field.name}" if where else field.name
            if field.name not in value:
                required = (
                    field.default is dataclasses.MISSING
                    and field.default_factory is dataclasses.MISSING
                )
                if required:
                    return f"{sub} is missing"
                continue
            hint = hints[field.name]
            if isinstance(hint, type) and hint.__name__ == "CharBoxes":
                if not isinstance(value[field.name], dict):
                    return f"{sub} must be an object"
                continue
            reason = problem(hint, value[field.name], sub)
            if reason:
                return reason
        return None
    if origin in (tuple, list):
        if not isinstance(value, list | tuple):
            return f"{label} must be a list, not {_kind(value)}"
        args = typing.get_args(tp)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(value) != len(args):
                return f"{label} must have {len(args)} items, not {len(value)}"
            pairs = list(zip(args, value, strict=True))
        else:
            item = args[0] if args else Any
            pairs = [(item, v) for v in value]
        for i, (a, v) in enumerate(pairs):
            reason = problem(a, v, f"{label}[{i}]")
            if reason:
                return reason
        return None
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            return f"{label} must be an object, not {_kind(value)}"
        args = typing.get_args(tp)
        if args:
            for k, v in value.items():
                reason = problem(args[1], v, f"{label}[{k!r}]")
                if reason:
                    return reason
        return None
    if tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is type(None):
        ok = value is None
    elif isinstance(tp, type):
        ok = isinstance(value, tp)
    else:  # an annotation this checker does not know: accept rather than refuse good data
        ok = True
    if ok and isinstance(value, str) and "\x00" in value:
        return f"{label} contains a NUL character"
    return None if ok else f"{label} must be {_name(tp)}, not {_kind(value)}"


def _name(tp: Any) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
