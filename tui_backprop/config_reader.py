"""Reading a preset's values: one clear ``ConfigError`` per problem, naming the file and the field."""

from __future__ import annotations

import json

import math
from pathlib import Path

from tui_backprop.schema import Field


class ConfigError(ValueError):
    def __init__(self, source: str | Path | None, field_name: str, message: str):
        self.source = str(source) if source else "<config>"
        self.field = field_name
        self.message = message
        where = f"{self.source}: {field_name}: " if field_name else f"{self.source}: "
        super().__init__(where + message)


def _limit(value) -> str:
    """A limit or the value past it: a whole number in full (1,000,000, not 1e+06)."""
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


class Reader:
    """Reads one value at a time against its field's expectation; the first problem is a ``ConfigError``."""

    def __init__(self, source):
        self.source = source

    def fail(self, name: str, message: str):
        raise ConfigError(self.source, name, message)

    def table(self, raw: dict, name: str, allowed: set[str]) -> dict:
        if not isinstance(raw, dict):
            self.fail(name, f"expected a table, got {_kind(raw)}")
        for key in raw:
            if key not in allowed:
                full = f"{name}.{key}" if name else key
                self.fail(full, f"unknown key; expected one of {', '.join(sorted(allowed))}")
        return raw

    def integer(self, value, name, low=None, high=None):
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"expected a whole number, got {shown(value)}")
        self._range(value, name, low, high)
        return value

    def number(self, value, name, low=None, high=None, low_open=False):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(name, f"expected a number, got {shown(value)}")
        value = float(value)
        if not math.isfinite(value):
            self.fail(name, f"expected a finite number, got {value}")
        if low_open and low is not None and value <= low:
            self.fail(name, f"expected a number greater than {low:g}, got {value:g}")
        self._range(value, name, None if low_open else low, high)
        return value

    def _range(self, value, name, low, high):
        if low is not None and value < low:
            self.fail(name, f"expected at least {_limit(low)}, got {_limit(value)}")
        if high is not None and value > high:
            self.fail(name, f"expected at most {_limit(high)}, got {_limit(value)}")

    def string(self, value, name):
        if not isinstance(value, str):
            self.fail(name, f"expected a string, got {shown(value)}")
        return value

    def choice(self, value, name, options):
        value = self.string(value, name)
        if value not in options:
            self.fail(name, f"expected one of {', '.join(options)}, got {shown(value)}")
        return value

    def boolean(self, value, name):
        if not isinstance(value, bool):
            self.fail(name, f"expected true or false, got {shown(value)}")
        return value

    def matrix(self, value, name, rows=None, cols=None):
        if not isinstance(value, list) or not value or not all(isinstance(r, list) and r for r in value):
            self.fail(name, "expected a list of rows of numbers, like [[0.5, -1.0], [2.0, 0.1]]")
        out = []
        for i, row in enumerate(value):
            out.append(tuple(self.number(v, f"{name}[{i}][{j}]") for j, v in enumerate(row)))
        widths = {len(r) for r in out}
        if len(widths) != 1:
            self.fail(name, f"expected rows of equal length, got lengths {sorted(widths)}")
        return tuple(out)

    def vector(self, value, name):
        if not isinstance(value, list) or not value:
            self.fail(name, "expected a list of numbers, like [0.1, -0.2]")
        return tuple(self.number(v, f"{name}[{i}]") for i, v in enumerate(value))


    def field(self, raw: dict, f: Field, prefix: str | None = None, default=None):
        """Read one schema field from its table (``prefix`` names the table, e.g. ``compare[0].training``)."""
        name = f"{prefix or f.section}.{f.name}"
        value = raw.get(f.name, f.default if default is None else default)
        if value is None and f.optional:
            return None
        if f.kind == "choice":
            return self.choice(value, name, f.choices)
        if f.kind == "bool":
            return self.boolean(value, name)
        if f.kind == "int":
            return self.integer(value, name, f.low, f.high)
        value = self.number(value, name, f.low, None if f.below_high else f.high, low_open=f.low_open)
        if f.below_high and value >= f.high:
            self.fail(name, f"expected a number below {f.high:g}, got {value:g}")
        return value


def _kind(value) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


def shown(value) -> str:
    """A value as the preset file writes it (true, "text", 0.5): a learner reads TOML, not Python."""
    if isinstance(value, (dict, list)):
        return _kind(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)
