"""The agency's seal and the QR code on a certificate (issue 11).

The seal is the image the agency provides (settings.SIRECORDS_AGENCY_SEAL, a PNG or JPEG path), or, when none is
set, a red round seal drawn with Pillow from the agency's name (SIRECORDS_AGENCY_NAME): a ring, a star, the name
along the upper arc and 证明专用章 below — recognisably a demo seal, not a copy of a real one. The image is a
picture only: what proves a certificate is the PAdES signature and the ledger proofs (certificates/signing.py).

The QR code carries the public verification address SIRECORDS_PUBLIC_URL + "/v/<code>".
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from importlib.resources import as_file, files
from pathlib import Path

import segno
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

__all__ = ["FONT_RESOURCE", "SEAL_SUBTITLE", "agency_name", "agency_seal_file", "font_path", "generated_seal", "qr_matrix", "qr_png",
           "seal_png", "verify_url"]

FONT_RESOURCE = "fonts/NotoSansSC-Subset.ttf"
SEAL_RED = (210, 20, 30, 255)
SEAL_SUBTITLE = "证明专用章"
# A fixed mask pattern (any of the eight is a valid QR code): choosing the "best" one scores all eight, which costs
# more than the rest of the code's drawing, for a barely better read of a short URL printed this large.
QR_MASK = 4
SEAL_SIZE = 400  # pixels; printed at 40 mm, about 250 dpi (larger costs every PDF more to compress)


@lru_cache(maxsize=1)
def font_path() -> str:
    """The shipped CJK font subset (never a system font: the PDF must not depend on the machine)."""
    with as_file(files("sirecords.certificates").joinpath(FONT_RESOURCE)) as path:
        return str(path)


def agency_name() -> str:
    return str(settings.SIRECORDS_AGENCY_NAME).strip()


def verify_url(code: str) -> str:
    """The public page that verifies a certificate by its code; the QR code points here."""
    return f"{str(settings.SIRECORDS_PUBLIC_URL).rstrip('/')}/v/{code}"


def qr_png(url: str) -> bytes:
    """The QR code of `url` as PNG bytes (error correction M: survives a smudge or a fold)."""
    out = io.BytesIO()
    segno.make_qr(url, error="m", mask=QR_MASK).save(out, kind="png", scale=4, border=2)
    return out.getvalue()


def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of `url` as rows of modules (True: dark), with the quiet zone of 2 modules, for drawing in vectors."""
    qr = segno.make_qr(url, error="m", mask=QR_MASK)
    return tuple(tuple(bool(module) for module in row) for row in qr.matrix_iter(border=2))


def agency_seal_file() -> str:
    """The path of the agency's own seal image (SIRECORDS_AGENCY_SEAL), or "" when the generated seal is used."""
    return str(getattr(settings, "SIRECORDS_AGENCY_SEAL", "") or "").strip()


def seal_png() -> bytes:
    """The seal image as PNG bytes: the agency's own file when configured, else the one generated from its name
    (the PDF draws that one in vectors, the same design: render._seal)."""
    configured = agency_seal_file()
    if configured:
        return _provided_seal(configured)
    return generated_seal(agency_name())


@lru_cache(maxsize=4)
def _provided_seal(path: str) -> bytes:
    """The agency's image, re-encoded as PNG (checked to be an image, its size bounded)."""
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"SIRECORDS_AGENCY_SEAL: no file at {path}")
    with Image.open(source) as image:
        image.load()
        if max(image.size) > 4000:
            raise ValueError(f"SIRECORDS_AGENCY_SEAL: the image {path} is larger than 4000 pixels")
        out = io.BytesIO()
        image.convert("RGBA").save(out, format="PNG")
    return out.getvalue()


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=SEAL_RED)


@lru_cache(maxsize=8)
def generated_seal(name: str, subtitle: str = SEAL_SUBTITLE) -> bytes:
    """A red round seal: ring, five-pointed star, `name` along the upper arc (clockwise, each character upright to
    the centre), `subtitle` straight below the star. Transparent background, PNG bytes."""
    size = SEAL_SIZE
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    centre = size / 2
    ring = size * 0.03
    draw.ellipse((ring / 2, ring / 2, size - ring / 2, size - ring / 2), outline=SEAL_RED, width=int(ring))
    _star(draw, centre, centre, size * 0.14)
    glyph = int(size * 0.105)
    font = ImageFont.truetype(font_path(), glyph)
    # The name on an arc of about 240°, centred at the top.
    text = name or " "
    span = math.radians(min(250, 22 * len(text) + 20))
    text_radius = centre - ring - glyph * 0.75
    for index, char in enumerate(text):
        angle = -span / 2 + span * (index + 0.5) / len(text)  # 0 = top, clockwise positive
        tile = Image.new("RGBA", (glyph * 2, glyph * 2), (255, 255, 255, 0))
        ImageDraw.Draw(tile).text((glyph, glyph), char, font=font, fill=SEAL_RED, anchor="mm")
        tile = tile.rotate(-math.degrees(angle), resample=Image.Resampling.BICUBIC)
        x = centre + text_radius * math.sin(angle) - glyph
        y = centre - text_radius * math.cos(angle) - glyph
        image.alpha_composite(tile, (int(x), int(y)))
    small = ImageFont.truetype(font_path(), int(size * 0.075))
    draw.text((centre, centre + size * 0.26), subtitle, font=small, fill=SEAL_RED, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
