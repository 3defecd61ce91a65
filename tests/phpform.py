"""A reading of form bodies as PHP reads them (``parse_str`` / ``$_POST``), written from PHP's C source
(``main/php_variables.c``: ``php_default_treat_data`` and ``php_register_variable_ex``), for tests.

It is deliberately independent of invoicekit's encoder, so a test that round-trips through it checks the
encoder against PHP's rules, not against itself. Arrays come back as dicts (insertion-ordered, keys int or
str exactly as PHP would key them); scalars as str.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus

__all__ = ["parse_str", "php_key"]

PhpArray = dict[int | str, Any]
_INT_KEY = re.compile(r"0|-?[1-9][0-9]*")


def php_key(key: str) -> int | str:
    """PHP's array key for *key*: a canonical decimal integer in range becomes an int ("13" -> 13, but
    "013", "+1", "-0" and " 1" stay strings), everything else stays a string.
    """
    if _INT_KEY.fullmatch(key) and -(2**63) <= int(key) < 2**63:
        return int(key)
    return key


def parse_str(body: str | bytes, *, max_input_vars: int | None = None) -> PhpArray:
    """What PHP makes of an ``application/x-www-form-urlencoded`` *body*.

    With *max_input_vars*, the pairs past that count are dropped, as PHP does (with only a warning).
    """
    if isinstance(body, bytes):
        body = body.decode("ascii")
    result: PhpArray = {}
    count = 0
    for pair in body.split("&"):
        if not pair:
            continue
        count += 1
        if max_input_vars is not None and count > max_input_vars:
            break
        name, _, value = pair.partition("=")
        _register(result, unquote_plus(name), unquote_plus(value))
    return result


def _register(table: PhpArray, name: str, value: str) -> None:
    name = name.split("\0", 1)[0].lstrip(" ")
    # The base name: ' ' and '.' become '_' up to the first '['.
    bracket = name.find("[")
    base, rest = (name, "") if bracket < 0 else (name[:bracket], name[bracket:])
    base = base.replace(" ", "_").replace(".", "_")
    if not base:
        return
    if rest and "]" not in rest[1:]:
        # An unterminated first '[' is not an index: it and ' ', '.', '[' after it become '_'.
        _assign(table, base + "_" + re.sub(r"[ .\[]", "_", rest[1:]), value)
        return
    keys: list[str | None] = []
    while rest.startswith("["):
        close = rest.find("]", 1)
        if close < 0:  # a later unterminated '[' ends the keys; the text after it is ignored
            break
        keys.append(rest[1:close] or None)  # None: "[]", append
        rest = rest[close + 1 :]
    _assign_path(table, base, keys, value)


def _assign_path(table: PhpArray, base: str, keys: list[str | None], value: str) -> None:
    if not keys:
        _assign(table, base, value)
        return
    target = _child_array(table, php_key(base))
    for key in keys[:-1]:
        target = _child_array(target, _next_index(target) if key is None else php_key(key))
    last = keys[-1]
    target[_next_index(target) if last is None else php_key(last)] = value


def _assign(table: PhpArray, name: str, value: str) -> None:
    table[php_key(name)] = value


def _child_array(table: PhpArray, key: int | str) -> PhpArray:
    """``table[key]`` as an array: created when missing, and a scalar there is replaced by an array."""
    child = table.get(key)
    if not isinstance(child, dict):
        child = {}
        table[key] = child
    return child


def _next_index(table: PhpArray) -> int:
    ints = [k for k in table if isinstance(k, int)]
    return max(ints) + 1 if ints else 0
