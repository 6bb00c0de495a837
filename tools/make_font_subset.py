"""Rebuild the CJK font the certificates embed: src/sirecords/certificates/fonts/NotoSansSC-Subset.ttf.

The PDFs must show their Chinese text on a machine with no CJK font, and the project may not read system fonts at
run time, so a subset of Noto Sans CJK SC (SIL Open Font License 1.1; Debian's fonts-noto-cjk) ships with the
project. This script makes it once, from Debian's collection:

    apt-get install fonts-noto-cjk
    .venv/bin/python tools/make_font_subset.py [--source /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]

The subset holds every character of GB 2312 (6,763 hanzi and its symbols), printable ASCII, CJK and full-width
punctuation, and every character of the project's certificate texts (src/sirecords/certificates/*.py and the
zh_Hans catalogue), so a template that gains a character outside GB 2312 gets it on the next rebuild. fpdf2 then
embeds only the glyphs a PDF uses.

The outlines are converted from CFF (cubic) to TrueType (quadratic, cu2qu, at most 1 unit in 1000 off): fpdf2 loads
and subsets the font for every PDF, and a TrueType `glyf` table is three times cheaper to subset than CFF charstrings
(which must be executed to recompute bounds) — what decides the bulk statements' rate. The file is larger (about
4 MB against 3 MB for CFF). Re-run after adding text; the test tests/certificates/test_font.py fails when a
template's character is missing from the shipped font.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src/sirecords/certificates/fonts/NotoSansSC-Subset.ttf"
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
# The project's texts whose characters must be in the font, beyond GB 2312.
TEXTS = [*sorted((ROOT / "src/sirecords/certificates").glob("*.py")),
         ROOT / "src/sirecords/locale/zh_Hans/LC_MESSAGES/django.po"]


def gb2312() -> set[str]:
    chars = set()
    for row in range(0xA1, 0xF8):
        for col in range(0xA1, 0xFF):
            try:
                chars.add(bytes((row, col)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def characters() -> str:
    chars = gb2312()
    chars |= {chr(c) for c in range(0x20, 0x7F)}  # printable ASCII
    chars |= {chr(c) for c in range(0x3000, 0x3040)}  # CJK symbols and punctuation
    chars |= {chr(c) for c in range(0xFF01, 0xFF5F)}  # full-width forms
    chars |= set("–—‘’“”…·•×÷±¥￥℃№§●○■□▲△★☆→←↑↓")
    for path in TEXTS:
        chars |= set(path.read_text(encoding="utf-8"))
    return "".join(sorted(c for c in chars if c.isprintable() or c == " "))


def sc_font(source: str):
    """The Simplified Chinese face of the collection (its family name says "SC")."""
    for font in TTCollection(source).fonts:
        if "SC" in font["name"].getDebugName(1):
            return font
    raise SystemExit(f"{source}: no Noto Sans CJK SC face in this collection")


def to_truetype(font: TTFont, max_error: float = 1.0) -> None:
    """Replace the CFF outlines by TrueType ones (in place): each cubic curve approximated by quadratic ones within
    `max_error` font units (fontTools' cu2qu), contours reversed to TrueType's direction."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, max_error, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    font["head"].glyphDataFormat = 0
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones",):
        setattr(maxp, field, 1)
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                  "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    font["maxp"] = maxp  # the remaining counts are recomputed when the font is saved
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    post.glyphOrder = order
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font.sfntVersion = "\000\001\000\000"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=SOURCE)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    font = sc_font(args.source)
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright, licence and font names
    options.name_languages = ["*"]
    options.notdef_outline = True
    # No OpenType layout: fpdf2 maps characters to glyphs by the cmap (no shaping), and the alternates that GSUB
    # features would pull in (vertical forms, other locales' shapes) are nearly half the glyphs.
    options.layout_features = []
    options.hinting = False  # PDF viewers do not need TrueType/CFF hints: about a third smaller
    options.desubroutinize = False
    subsetter = subset.Subsetter(options)
    text = characters()
    subsetter.populate(text=text)
    subsetter.subset(font)
    to_truetype(font)
    font.save(args.out)
    size = Path(args.out).stat().st_size
    print(f"{args.out}: {len(text)} characters, {len(font.getGlyphOrder())} glyphs, {size / 1e6:.2f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
