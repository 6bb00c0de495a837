"""The person's two charts (records/charts.py): the statement's and the contributions' numbers in the SVG and in the
table beside it, arrears left out, empty records handled, Chinese first with English."""

import xml.etree.ElementTree as ET

from django.utils import translation

from sirecords.records.charts import account_growth_svg, contributions_per_year_svg

from ..core.test_charts import NS, assert_csp_safe

STATEMENT = [
    {"year": 2024, "opening": "7344.00", "credits": "7500.00", "interest_on_prior": "293.76", "interest_on_credits": "150.00",
     "closing": "15287.76"},
    {"year": 2023, "opening": "0.00", "credits": "7200.00", "interest_on_prior": "0.00", "interest_on_credits": "144.00",
     "closing": "7344.00"},
]
CONTRIBUTIONS = [
    {"period": period, "insurance_type": kind, "employer_amount": employer, "individual_amount": individual, "paid_on": paid,
     "counts": bool(paid)}  # as records.personal.contributions gives them (contributions/counted.py)
    for period, kind, employer, individual, paid in [
        ("2023-01", "pension", "1200.00", "600.00", "2023-01-15"),
        ("2023-01", "medical", "500.00", "150.50", "2023-01-15"),
        ("2024-03", "pension", "1300.00", "650.00", "2024-04-02"),
        ("2024-04", "pension", "9999.00", "9999.00", ""),  # in arrears
    ]
]


def titles(svg):
    return [t.text for t in ET.fromstring(svg).iter(f"{NS}title")]


def test_account_growth_numbers_in_the_svg_and_the_table():
    with translation.override("en"):
        chart = account_growth_svg(STATEMENT)
    assert_csp_safe(chart.svg)
    found = titles(chart.svg)
    for text in ("2023 · Credits: 7200.00", "2024 · Interest: 443.76", "2024 · Prior balance: 7344.00",
                 "2024 · Year-end balance: 15287.76", "Individual account, year by year"):
        assert text in found
    assert chart.table.headers == ("Year", "Prior balance", "Credits", "Interest", "Year-end balance")
    assert chart.table.rows == (("2023", "0.00", "7200.00", "144.00", "7344.00"),
                                ("2024", "7344.00", "7500.00", "443.76", "15287.76"))
    assert "15287.76" in ET.fromstring(chart.svg).find(f"{NS}desc").text


def test_contributions_per_year_sum_paid_rows_of_every_type():
    with translation.override("en"):
        chart = contributions_per_year_svg(CONTRIBUTIONS)
    assert_csp_safe(chart.svg)
    assert chart.table.rows == (("2023", "1700.00", "750.50", "2450.50"), ("2024", "1300.00", "650.00", "1950.00"))
    found = titles(chart.svg)
    assert "2023 · Paid by the employer: 1700.00" in found and "2024 · Paid by the individual: 650.00" in found
    assert "9999" not in chart.svg  # the month in arrears is not a paid contribution


def test_empty_records_give_a_chart_that_says_so_and_an_empty_table():
    with translation.override("en"):
        account, paid = account_growth_svg([]), contributions_per_year_svg([])
    for chart in (account, paid):
        root = assert_csp_safe(chart.svg)
        assert chart.table.rows == () and "No data yet" in [t.text for t in root.iter(f"{NS}text")]


def test_chinese_first():
    with translation.override("zh-hans"):
        chart = account_growth_svg(STATEMENT)
        paid = contributions_per_year_svg(CONTRIBUTIONS)
    assert chart.table.headers[:3] == ("年度", "上年末储存额", "当年记账额") and "个人账户" in chart.table.caption
    assert paid.table.headers[1:3] == ("单位缴费", "个人缴费") and "元" in paid.svg


def test_two_charts_on_one_page_have_distinct_ids():
    a, b = account_growth_svg(STATEMENT), contributions_per_year_svg(CONTRIBUTIONS)
    ids = [e.get("id") for svg in (a.svg, b.svg) for e in ET.fromstring(svg).iter() if e.get("id")]
    assert len(ids) == len(set(ids)) == 4


def test_the_chart_as_an_image_source_and_its_alt_text():
    import base64

    with translation.override("en"):
        chart = account_growth_svg(STATEMENT)
    assert chart.data_uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(chart.data_uri.split(",", 1)[1]).decode() == chart.svg
    assert chart.title == "Individual account, year by year" and "2023" in chart.description and "15287.76" in chart.description
