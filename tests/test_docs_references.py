"""The documents auditors and operators read name files and tests that exist: a module moved or a test
renamed without its mention in docs/ fails here."""

from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = sorted([*ROOT.glob("docs/*.md"), ROOT / "README.md", ROOT / "bench" / "README.md"])
FILE = re.compile(r"`([\w./-]+/[\w.-]+\.(?:py|toml|html|md|csv))((?:::[\w\[\]-]+)?)")
TEST_NAME = re.compile(r"(?:^|[\s,(`])(tests/[\w/]+\.py)?::(\w+)")
SEARCHED = (ROOT, ROOT / "src" / "sirecords", ROOT / "src", ROOT / "src" / "sirecords" / "engine" / "data")


def _exists(ref: str) -> bool:
    return any((base / ref).exists() for base in SEARCHED)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_a_document_names_exists(doc):
    text = doc.read_text()
    missing = sorted({m.group(1) for m in FILE.finditer(text) if not _exists(m.group(1))})
    assert missing == [], f"{doc.name} names files that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_test_a_document_names_exists(doc):
    missing = []
    for line in doc.read_text().splitlines():
        current = None
        for m in TEST_NAME.finditer(line):
            current = m.group(1) or current
            if current is None:
                continue
            source = ROOT / current
            if not source.exists() or not re.search(rf"def {m.group(2)}\b", source.read_text()):
                missing.append(f"{current}::{m.group(2)}")
    assert missing == [], f"{doc.name} names tests that do not exist: {missing}"
