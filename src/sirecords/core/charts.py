"""Charts as SVG made on the server: no script, no style — fit for inline use under the site's strict CSP.

The site's Content-Security-Policy is ``default-src 'self'``, ``script-src 'self'``, ``style-src 'self'``: an SVG
inlined in the page may not carry a ``<style>`` element or ``style=""`` attributes (both are inline styles), nor a
script or an ``on…`` handler. Charting libraries embed CSS (pygal puts its look in a ``<style>`` element and its
tooltips in JavaScript), so this small module draws with SVG *presentation attributes* (``fill``, ``stroke``,
``font-size``…), which the CSP does not govern.

Accessible: the ``<svg>`` has ``role="img"`` and ``aria-labelledby`` naming its ``<title>`` and ``<desc>``; every
bar and point has a ``<title>`` with its label, series and value (a tooltip, and read by screen readers). The same
numbers are meant to be shown beside it as a table (`Table`): a chart alone is never the only way to read them.

One chart kind: bars per label, the series stacked (negative parts downwards from zero), and optionally one series
drawn as a line with points over them, all on one axis. Values are Decimals (money in yuan); coordinates are
computed in Decimal too and written with one decimal place. Pure: no Django.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from sirecords.core.money import as_decimal

__all__ = ["PALETTE", "Chart", "Series", "Table", "stacked_bar_svg"]

# Okabe–Ito colours: told apart with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
INK = "#222222"
GRID = "#CCCCCC"
FONT = "system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
_ID = re.compile(r"[a-z][a-z0-9-]{0,40}\Z")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Series:
    """One named series: a value per label, drawn in `colour` (a #RRGGBB)."""

    name: str
    values: tuple[Decimal, ...]
    colour: str = ""


@dataclass(frozen=True)
class Table:
    """The chart's numbers as a table: caption, column headers, rows of text (money as yuan strings)."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """An SVG document (a string, no XML declaration: ready to inline in HTML) and the same numbers as a table;
    `title` and `description` as in the SVG's <title> and <desc> (an <img>'s alt text)."""

    svg: str
    table: Table
    title: str = ""
    description: str = ""

    @property
    def data_uri(self) -> str:
        """The SVG as a ``data:`` URI for ``<img src>`` (the CSP's img-src allows data:): a page that would rather not
        inline markup shows it as an image — no script could run in it anyway — with `description` as its alt text."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


# Characters XML 1.0 does not allow (C0 controls but tab, line feed and carriage return; surrogates; U+FFFE, U+FFFF):
# a label holding one would make the whole document unreadable, so they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _esc(text: str) -> str:
    """Text for an element's content: without characters XML cannot hold, & < > escaped."""
    return html.escape(_NOT_XML.sub("", text), quote=False)


def _attribute(text: str) -> str:
    """Text for a double-quoted attribute: & < > and the double quote escaped (the single quotes of a font list kept)."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def _n(value: Decimal) -> str:
    """A coordinate with one decimal place."""
    return f"{value.quantize(TENTH):f}"


def _nice_step(span: Decimal, ticks: int = 5) -> Decimal:
    """A round step (1, 2 or 5 × 10^k) giving about `ticks` intervals over `span` (> 0)."""
    raw = span / ticks
    exponent = raw.adjusted()
    magnitude = Decimal(1).scaleb(exponent)
    for factor in (1, 2, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10  # pragma: no cover - 10 × magnitude ≥ raw always


def _tick_text(value: Decimal) -> str:
    text = f"{value.normalize():f}" if value else "0"
    whole, _, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    grouped = f"{int(whole):,}" if whole else "0"
    return sign + grouped + (f".{fraction}" if fraction else "")


def _colour(series: Series, index: int) -> str:
    colour = series.colour or PALETTE[index % len(PALETTE)]
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
        raise ValueError(f"a series colour is written #RRGGBB, got {colour!r}")
    return colour


def stacked_bar_svg(*, chart_id: str, title: str, description: str, labels: Sequence[str], bars: Sequence[Series],
                    line: Series | None = None, unit: str = "", empty_text: str = "No data", width: int = 720,
                    height: int = 360) -> str:
    """An accessible SVG: one stacked bar per label (`bars`' values), `line` drawn over them; `unit` names the axis.

    `chart_id` (lower-case letters, digits, hyphens) prefixes the element ids, so two charts can share a page.
    With no labels the chart says `empty_text`. Every series must have one value per label.
    """
    if not _ID.match(chart_id):
        raise ValueError(f"chart_id must be lower-case letters, digits and hyphens, starting with a letter, got {chart_id!r}")
    labels = [str(label) for label in labels]
    series = list(bars) + ([line] if line is not None else [])
    values = {id(s): [as_decimal(v, f"{s.name} value") for v in s.values] for s in series}
    for s in series:
        if len(values[id(s)]) != len(labels):
            raise ValueError(f"series {s.name!r} has {len(values[id(s)])} values for {len(labels)} labels")
    colours = [_colour(s, i) for i, s in enumerate(series)]
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
            f'font-family="{_attribute(FONT)}" font-size="12" fill="{INK}">'
            f'<title id="{chart_id}-title">{_esc(title)}</title><desc id="{chart_id}-desc">{_esc(description)}</desc>')
    out = [head, f'<text x="12" y="22" font-size="15" font-weight="bold">{_esc(title)}</text>']
    if not labels:
        out.append(f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" fill="#555555">{_esc(empty_text)}</text>')
        out.append("</svg>")
        return "".join(out)

    # The value range: positive parts stack up from zero, negative ones down; the line's points count too.
    highs, lows = [], []
    for i in range(len(labels)):
        parts = [values[id(s)][i] for s in bars]
        highs.append(sum((p for p in parts if p > 0), Decimal(0)))
        lows.append(sum((p for p in parts if p < 0), Decimal(0)))
    if line is not None:
        highs += [max(v, Decimal(0)) for v in values[id(line)]]
        lows += [min(v, Decimal(0)) for v in values[id(line)]]
    top, bottom = max(highs), min(lows)
    step = _nice_step(top - bottom if top > bottom else Decimal(1))
    top = (top / step).to_integral_value(ROUND_CEILING) * step
    bottom = -((-bottom / step).to_integral_value(ROUND_CEILING) * step)
    if top == bottom:
        top = bottom + step

    left, right, upper, lower = Decimal(84), Decimal(width - 16), Decimal(78), Decimal(height - 40)
    plot_w, plot_h = right - left, lower - upper

    def y_of(value: Decimal) -> Decimal:
        return lower - (value - bottom) * plot_h / (top - bottom)

    # Legend, under the title.
    x = Decimal(12)
    for s, colour in zip(series, colours):
        if s is line:
            out.append(f'<line x1="{_n(x)}" y1="42" x2="{_n(x + 14)}" y2="42" stroke="{colour}" stroke-width="2.5"/>'
                       f'<circle cx="{_n(x + 7)}" cy="42" r="3" fill="{colour}"/>')
        else:
            out.append(f'<rect x="{_n(x)}" y="36" width="14" height="12" fill="{colour}"/>')
        out.append(f'<text x="{_n(x + 19)}" y="46">{_esc(s.name)}</text>')
        x += 19 + sum(12 if ord(ch) > 0x2E7F else 7 for ch in s.name) + 18  # wide (CJK) characters ≈ the font size

    # Axis and grid, the unit at the top of the axis.
    out.append('<g aria-hidden="true">')
    tick = bottom
    while tick <= top:
        y = y_of(tick)
        out.append(f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" y2="{_n(y)}" stroke="{GRID}" stroke-width="1"/>'
                   f'<text x="{_n(left - 6)}" y="{_n(y + 4)}" text-anchor="end">{_esc(_tick_text(tick))}</text>')
        tick += step
    if unit:
        out.append(f'<text x="{_n(left - 6)}" y="{_n(upper - 12)}" text-anchor="end">{_esc(unit)}</text>')
    zero = y_of(Decimal(0))
    out.append(f'<line x1="{_n(left)}" y1="{_n(zero)}" x2="{_n(right)}" y2="{_n(zero)}" stroke="{INK}" stroke-width="1"/>')
    out.append("</g>")

    # Bars: one slot per label, the bar 70 % of it; labels thinned out so they never overlap.
    slot = plot_w / len(labels)
    bar_w = slot * Decimal("0.7")
    every = max(1, -(-len(labels) * 40 // int(plot_w)))
    for i, label in enumerate(labels):
        x0 = left + slot * i + (slot - bar_w) / 2
        up, down = Decimal(0), Decimal(0)
        out.append(f'<g><title>{_esc(label)}</title>')
        for s, colour in zip(bars, colours):
            value = values[id(s)][i]
            if value == 0:
                continue
            if value > 0:
                y_top, y_bottom = y_of(up + value), y_of(up)
                up += value
            else:
                y_top, y_bottom = y_of(down), y_of(down + value)
                down += value
            out.append(f'<rect x="{_n(x0)}" y="{_n(y_top)}" width="{_n(bar_w)}" height="{_n(y_bottom - y_top)}" '
                       f'fill="{colour}" stroke="#FFFFFF" stroke-width="0.5">'
                       f'<title>{_esc(f"{label} · {s.name}: {value}")}</title></rect>')
        out.append("</g>")
        if i % every == 0:
            out.append(f'<text x="{_n(x0 + bar_w / 2)}" y="{_n(lower + 18)}" text-anchor="middle" '
                       f'aria-hidden="true">{_esc(label)}</text>')
    if line is not None:
        colour = colours[-1]
        points = [(left + slot * i + slot / 2, y_of(v)) for i, v in enumerate(values[id(line)])]
        out.append(f'<polyline points="{" ".join(f"{_n(px)},{_n(py)}" for px, py in points)}" fill="none" '
                   f'stroke="{colour}" stroke-width="2.5" stroke-linejoin="round"/>')
        for (px, py), label, value in zip(points, labels, values[id(line)]):
            out.append(f'<circle cx="{_n(px)}" cy="{_n(py)}" r="3.5" fill="{colour}" stroke="#FFFFFF" stroke-width="1">'
                       f'<title>{_esc(f"{label} · {line.name}: {value}")}</title></circle>')
    out.append("</svg>")
    return "".join(out)
