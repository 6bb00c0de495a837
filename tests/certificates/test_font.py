"""The CJK font shipped with the project (certificates/fonts/): a subset of Noto Sans CJK SC under the OFL, holding
GB 2312 and every character the certificates print, of a sane size, read from the package, never from the system."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from django.conf import settings
from fontTools.ttLib import TTFont

from sirecords.certificates.seal import FONT_RESOURCE, font_path

PACKAGE = Path(str(files("sirecords.certificates")))


def cmap() -> set[str]:
    return {chr(code) for code in TTFont(font_path())["cmap"].getBestCmap()}


def test_the_font_is_the_shipped_one_with_its_licence():
    path = Path(font_path())
    assert path == PACKAGE / FONT_RESOURCE and path.is_file()
    assert 1_000_000 < path.stat().st_size < 5_000_000  # a few MB at most
    licence = (PACKAGE / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE" in licence and "Noto Sans CJK SC" in licence
    name = TTFont(font_path())["name"]
    assert "Noto Sans CJK SC" in name.getDebugName(1) and "Open Font License" in name.getDebugName(13)


def test_every_character_the_certificates_print_is_in_the_font():
    chars = cmap()
    gb2312 = {bytes((row, col)).decode("gb2312") for row in range(0xB0, 0xF8) for col in range(0xA1, 0xFF)
              if not (row == 0xD7 and col >= 0xFA)}  # the 3,755 + 3,008 hanzi (row D7 ends at F9)
    assert len(gb2312) == 6763 and gb2312 <= chars
    texts = [(PACKAGE / name).read_text(encoding="utf-8") for name in ("documents.py", "render.py", "codes.py", "seal.py")]
    texts.append(settings.SIRECORDS_AGENCY_NAME)
    missing = {ch for text in texts for ch in text if ord(ch) > 0x7F and ch.isprintable()} - chars
    assert not missing, f"not in the font: {''.join(sorted(missing))} — run tools/make_font_subset.py"
