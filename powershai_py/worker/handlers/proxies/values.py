"""The values a proxy call sends: bound parameters, -ApiResultMap picks from a piped result,
/info defaults, and ``-name value`` tokens for Invoke-GradioDynamicApi."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from .... import _errors as err
from .planning import ProxyParam, find_param

RESULT_TYPE = "GradioApiEventResult"
PARAM_ERROR = err.ProxyParamError.error_id


def _datetime(value: Any) -> Any:
    """PowerShell's JSON for a DateTime (ISO on 7, \\/Date(ms)\\/ on 5.1) as a wire datetime."""
    if isinstance(value, str):
        match = re.fullmatch(r"\\?/Date\((-?\d+)([+-]\d{4})?\)\\?/", value)
        if match:
            stamp = datetime.fromtimestamp(int(match.group(1)) / 1000, tz=timezone.utc)
            return {"$datetime": stamp.isoformat()}
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return {"$datetime": value}
    return value


def as_result(value: Any) -> dict[str, Any] | None:
    """A GradioApiEventResult that came back from PowerShell, ready to travel again."""
    if not isinstance(value, dict) or "data" not in value:
        return None
    result = {k: v for k, v in value.items() if k not in ("$ref", "$id", "$live")}
    result["$type"] = RESULT_TYPE
    if "ts" in result:
        result["ts"] = _datetime(result["ts"])
    pipeline = result.get("pipeline")
    if isinstance(pipeline, list):
        result["pipeline"] = [as_result(p) or p for p in pipeline]
    return result


def _map_pairs(value: Any) -> list[tuple[str, Any]]:
    if value is None:
        return []
    if isinstance(value, list):
        return [pair for v in value for pair in _map_pairs(v)]
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    pairs: list[tuple[str, Any]] = []
    for part in str(value).split(","):
        if not part.strip():
            continue
        name, sep, index = part.partition("=")
        if not sep:
            raise err.ProxyParamError(f"-ApiResultMap wants Name=Index pairs, not {part!r}")
        pairs.append((name.strip(), index.strip()))
    return pairs


def _coerce(p: ProxyParam, value: Any, fn: str) -> Any:
    """A mapped value converted to the parameter's type (PowerShell's -as, roughly)."""
    if value is None or p.kind != "value" or p.ps_type in ("object", "object[]"):
        return value
    base = p.ps_type.rstrip("[]")
    values = value if isinstance(value, list) else [value]
    if p.is_array:
        return [_coerce_one(p, base, v, fn) for v in values]
    if isinstance(value, list):
        raise err.ProxyParamError(
            f"Parameter {p.ps_name} value (map) cannot be converted to {base}. Func:{fn}")
    return _coerce_one(p, base, value, fn)


def _coerce_one(p: ProxyParam, base: str, value: Any, fn: str) -> Any:
    try:
        if base == "string":
            if isinstance(value, (dict, list)):
                raise ValueError
            if isinstance(value, bool):
                return "True" if value else "False"
            return str(value)
        if base == "bool":
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0"):
                    raise ValueError
                return value.lower() in ("true", "1")
            return bool(value)
        number = float(value)
        if base == "int":
            return int(round(number))
        return int(number) if number.is_integer() and not isinstance(value, float) else number
    except (TypeError, ValueError) as exc:
        raise err.ProxyParamError(
            f"Parameter {p.ps_name} value (map) {value!r} cannot be converted to its type "
            f"{base}. Func:{fn}") from exc


def mapped_values(plan: list[ProxyParam], map_value: Any, pipe: dict[str, Any] | None,
                   fn: str) -> dict[int, Any]:
    pairs = _map_pairs(map_value)
    if not pairs or pipe is None:
        return {}
    data = pipe.get("data")
    items = data if isinstance(data, list) else [data]
    mapped: dict[int, Any] = {}
    for name, index in pairs:
        p = find_param(plan, name)
        if p is None:
            raise err.ProxyParamError(
                f"-ApiResultMap names {name}, which is not a parameter of {fn}. Valid names: "
                + ", ".join(q.ps_name for q in plan))
        try:
            i = int(str(index).strip())
        except ValueError as exc:
            raise err.ProxyParamError(
                f"-ApiResultMap {name}={index}: the index must be a number") from exc
        if not -len(items) <= i < len(items):
            raise err.ProxyParamError(
                f"-ApiResultMap {name}={i}: the piped result has {len(items)} value(s)")
        mapped[p.index] = _coerce(p, items[i], fn)
    return mapped


def build_values(plan: list[ProxyParam], given: Any, mapped: Mapping[int, Any],
                 fn: str) -> list[Any]:
    """Positional data for the call: bound values, mapped values, else /info defaults."""
    values: dict[int, Any] = {}
    if isinstance(given, Mapping):
        for key, value in given.items():
            p = find_param(plan, str(key))
            if p is None:
                raise err.InvalidParams(
                    f"{fn} has no parameter {key}. Valid names: "
                    + ", ".join(q.ps_name for q in plan))
            values[p.index] = value
    values.update(mapped)
    data: list[Any] = []
    for p in plan:
        if p.index in values:
            value = values[p.index]
            if p.kind == "files" and value is not None and not isinstance(value, list):
                value = [value]
        else:
            value = p.default if p.has_default else None
        data.append(value)
    return data



def parse_remaining(tokens: list[Any], plan: list[ProxyParam]) -> dict[str, Any]:
    """``-name value`` tokens as PowerShell collects them with ValueFromRemainingArguments.

    A name without a value is a switch (``$true``); values without a name fill the endpoint's
    parameters in order, skipping the ones already named.
    """
    named: dict[str, Any] = {}
    loose: list[Any] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if isinstance(token, str) and re.fullmatch(r"-[A-Za-z_][\w]*:?", token):
            name = token[1:].rstrip(":")
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            is_name = isinstance(nxt, str) and re.fullmatch(r"-[A-Za-z_][\w]*:?", nxt)
            if i + 1 < len(tokens) and (token.endswith(":") or not is_name):
                named[name] = nxt
                i += 2
            else:
                named[name] = True
                i += 1
            continue
        loose.append(token)
        i += 1
    taken = {(find_param(plan, n) or plan[0]).index for n in named} if plan else set()
    free = [p for p in plan if p.index not in taken]
    for p, value in zip(free, loose, strict=False):
        named[p.ps_name] = value
    if len(loose) > len(free):
        raise err.InvalidParams(f"{len(loose) - len(free)} value(s) left without a parameter")
    return named

