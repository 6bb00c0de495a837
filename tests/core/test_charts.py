"""core/charts.py: SVG made on the server that the strict CSP lets through inline, accessible, numbers shown."""

import xml.etree.ElementTree as ET
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sirecords.core.charts import Series, stacked_bar_svg

NS = "{http://www.w3.org/2000/svg}"


def chart(**overrides):
    args = {"chart_id": "demo", "title": "Account <growth> & more", "description": "Three years", "labels": ["2022", "2023", "2024"],
            "bars": [Series("credits", (D("100.00"), D("200.50"), D("0"))), Series("interest", (D("1.25"), D("3.00"), D("4.10")))],
            "line": Series("balance", (D("101.25"), D("304.75"), D("308.85"))), "unit": "yuan"}
    return stacked_bar_svg(**{**args, **overrides})


def assert_csp_safe(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    for element in root.iter():
        tag = element.tag.removeprefix(NS)
        assert tag not in ("script", "style", "foreignObject", "a", "image", "use")
        for name in element.attrib:
            assert not name.lower().startswith("on"), name
            assert name != "style" and "href" not in name
    assert "javascript:" not in svg.lower() and "<?xml" not in svg
    return root


def test_valid_xml_without_script_style_or_handlers():
    root = assert_csp_safe(chart())
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title.get("id") == "demo-title" and desc.get("id") == "demo-desc"
    assert root.get("aria-labelledby") == "demo-title demo-desc"
    assert title.text == "Account <growth> & more"  # escaped in the document, read back as written


def test_every_value_is_in_a_title_of_its_bar_or_point():
    root = assert_csp_safe(chart())
    titles = [t.text for t in root.iter(f"{NS}title")]
    for text in ("2022 · credits: 100.00", "2023 · credits: 200.50", "2024 · interest: 4.10", "2024 · balance: 308.85",
                 "2022 · balance: 101.25"):
        assert text in titles
    assert not any("2024 · credits" in t for t in titles)  # a zero part draws no bar
    assert [r.get("fill") for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None][:2] == ["#0072B2", "#E69F00"]


def test_empty_input_says_so():
    root = assert_csp_safe(chart(labels=[], bars=[Series("credits", ())], line=Series("balance", ()), empty_text="暂无数据"))
    assert "暂无数据" in [t.text for t in root.iter(f"{NS}text")]
    assert root.find(f"{NS}rect") is None


def test_negative_parts_go_below_zero():
    root = assert_csp_safe(chart(labels=["2024"], bars=[Series("a", (D("-50"),)), Series("b", (D("100"),))], line=None))
    rects = [r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]
    negative, positive = rects
    assert float(negative.get("y")) >= float(positive.get("y")) + float(positive.get("height")) - 0.2


@pytest.mark.parametrize("bad", [{"chart_id": "Bad id"}, {"chart_id": "x\"onload=\"y"},
                                 {"bars": [Series("a", (D(1),))]}, {"bars": [Series("a", (D(1), D(2), D(3)), "red")]},
                                 {"bars": [Series("a", (1.5, 2, 3))]}])
def test_bad_arguments_are_refused(bad):
    with pytest.raises(ValueError):
        chart(**bad)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1990, 2060), st.decimals(min_value=-10**7, max_value=10**8, places=2),
                          st.decimals(min_value=0, max_value=10**7, places=2)), max_size=45),
       st.text(max_size=30))
def test_any_figures_give_safe_svg(rows, name):
    labels = [str(year) for year, _, _ in rows]
    svg = stacked_bar_svg(chart_id="p", title=name, description=name, labels=labels,
                          bars=[Series(name or "a", tuple(a for _, a, _ in rows)), Series("b", tuple(b for _, _, b in rows))],
                          line=Series("c", tuple(a + b for _, a, b in rows)))
    assert_csp_safe(svg)
