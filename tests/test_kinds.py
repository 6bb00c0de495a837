"""Every ledger entry kind is a constant in its app's `kinds` module, written noun.past_participle, unique
across the apps, and no module spells a kind as a string literal instead of using the constant."""

from __future__ import annotations

import ast
import importlib
import pathlib
import re

import pytest

from sirecords.ledger import projection

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "sirecords"
KIND_MODULES = sorted(p.parent.name for p in SRC.glob("*/kinds.py"))
GRAMMAR = re.compile(r"^[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*$")
PAST_PARTICIPLES_NOT_IN_ED = {"made", "paid", "sent", "written", "taken", "given", "withheld", "found", "kept"}


def all_kinds() -> dict[str, tuple[str, str]]:
    """kind → (app, constant name)."""
    kinds: dict[str, tuple[str, str]] = {}
    for app in KIND_MODULES:
        module = importlib.import_module(f"sirecords.{app}.kinds")
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str):
                assert value not in kinds, f"{value} is declared by {kinds[value]} and by {app}.{name}"
                kinds[value] = (app, name)
    return kinds


def test_every_app_that_writes_the_ledger_has_a_kinds_module():
    assert {"transactions", "users", "parameters", "registry", "contributions", "accounts", "benefits", "subsidies"} <= set(KIND_MODULES)


@pytest.mark.parametrize("kind", sorted(all_kinds()))
def test_kind_grammar_is_noun_dot_past_participle(kind):
    assert GRAMMAR.match(kind), f"{kind} is not noun.past_participle"
    verb = kind.rsplit(".", 1)[1].rsplit("_", 1)[-1]
    assert verb.endswith("ed") or verb in PAST_PARTICIPLES_NOT_IN_ED, f"{kind}: {verb!r} is not a past participle"


def test_every_projected_kind_is_declared():
    declared = set(all_kinds())
    undeclared = sorted(set(projection._projectors) - declared)
    assert undeclared == [], f"projectors for kinds no kinds module declares: {undeclared}"


def test_no_module_spells_a_kind_as_a_literal():
    kinds = set(all_kinds())
    found = []
    for path in SRC.rglob("*.py"):
        if path.name == "kinds.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in kinds:
                found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.value}")
    assert found == [], "use the kinds constants: " + ", ".join(found)
