"""Results that explain themselves: ``Result(value, trace)``.

A trace names the rule, the parameter-set version used (``None`` when the caller gave every parameter
explicitly), the inputs, and each intermediate step with its formula in Chinese and in English and the
same formula with the figures filled in. ``Trace.as_dict()`` is plain JSON (decimals as strings) ready
for a ledger payload; ``Trace.lines()`` is the "why is my pension this amount" text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sirecords.core.periods import Age, Month

__all__ = ["Result", "Step", "Trace", "jsonable"]

T = TypeVar("T")


def jsonable(value: Any) -> Any:
    """Plain JSON values: Decimal → str, Month/Age → str, date → ISO, dataclass → dict, tuple → list."""
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        raise TypeError(f"float {value!r} in a rules value; use Decimal")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, Trace):
        return value.as_dict()
    if isinstance(value, (Month, Age)):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


@dataclass(frozen=True)
class Step:
    """One intermediate step: ``name`` for programs, ``zh``/``en`` the rule in words, ``formula`` with figures."""

    name: str
    zh: str
    en: str
    formula: str
    value: Any

    def as_dict(self) -> dict:
        return {"name": self.name, "zh": self.zh, "en": self.en, "formula": self.formula, "value": jsonable(self.value)}


@dataclass(frozen=True)
class Trace:
    rule: str
    version: str | None
    inputs: Mapping[str, Any]
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "version": self.version,
            "inputs": jsonable(dict(self.inputs)),
            "steps": [step.as_dict() for step in self.steps],
        }

    def lines(self) -> list[str]:
        """Readable lines, Chinese first with English beside it."""
        out = [f"{self.rule}  (rule version 规则版本: {self.version or 'explicit parameters 参数直接给定'})"]
        for step in self.steps:
            out.append(f"  {step.zh} / {step.en}")
            out.append(f"      {step.formula}")
        return out


@dataclass(frozen=True)
class Result(Generic[T]):
    value: T
    trace: Trace

    def as_dict(self) -> dict:
        return {"value": jsonable(self.value), "trace": self.trace.as_dict()}


class TraceBuilder:
    """Collects steps while a computation runs (internal helper)."""

    def __init__(self, rule: str, version: str | None, inputs: Mapping[str, Any]):
        self.rule = rule
        self.version = version
        self.inputs = dict(inputs)
        self.steps: list[Step] = []

    def step(self, name: str, zh: str, en: str, formula: str, value: T) -> T:
        self.steps.append(Step(name, zh, en, formula, value))
        return value

    def include(self, prefix: str, trace: Trace) -> None:
        """Add another computation's steps, their names prefixed (``basic.rounded``)."""
        for step in trace.steps:
            self.steps.append(dataclasses.replace(step, name=f"{prefix}.{step.name}"))

    def result(self, value: T) -> Result[T]:
        return Result(value, Trace(self.rule, self.version, dict(self.inputs), tuple(self.steps)))
