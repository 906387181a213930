"""printing/charts.py: well-formed inline SVG with its numbers, no script, no outside
resource, the same bytes for the same data, and WeasyPrint draws it."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup
from pypdf import PdfReader

from printing import charts, render

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["01-2026", "02-2026", "03-2026"]


@pytest.mark.parametrize("kind", ["bar", "line"])
def test_chart_is_wellformed_svg_with_its_numbers_and_nothing_outside(kind: str) -> None:
    draw = charts.bar if kind == "bar" else charts.line
    svg = draw("Dilayani <1 jam>", MONTHS, {"Diterima": [1234.5, 20, None],
                                             "Dilayani": [1000, 19, 7]})
    assert isinstance(svg, Markup)
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {charts.WIDTH} {charts.HEIGHT}"
    assert root.get("width") is None and root.get("height") is None
    assert root.get("role") == "img" and root.get("aria-label") == "Dilayani <1 jam>"
    assert not list(root.iter(f"{SVG}script"))
    assert not [e for e in root.iter() if e.get("id", "").startswith("activate")]
    text = str(svg)
    assert "1.234,5" in text and "1.000" in text
    assert "<script" not in text and "http" not in text.replace(
        "http://www.w3.org/2000/svg", "").replace("http://www.w3.org/1999/xlink", "")
    assert "Dilayani &lt;1 jam&gt;" in text
    for month in MONTHS:
        assert month in text


def test_same_data_same_bytes_other_data_other_id() -> None:
    one = charts.bar("A", ["x"], {"s": [1]})
    assert one == charts.bar("A", ["x"], {"s": [1]})
    other = charts.bar("A", ["x"], {"s": [2]})
    assert ET.fromstring(str(one)).get("id") != ET.fromstring(str(other)).get("id")


def test_percent_scale_and_share_bar() -> None:
    svg = charts.line("Persen", MONTHS, {"<= 1 jam": [80.25, 90, 100]}, percent_scale=True)
    assert "80,3%" in svg and "100%" in svg
    shares = charts.share_bar("Bagian", ["A", "B"], {"tepat": [3, 0], "lambat": [1, 0]})
    ET.fromstring(str(shares))
    assert "75%" in shares and "25%" in shares


def test_indonesian_numbers() -> None:
    assert charts.number(1234567.25) == "1.234.567,3"
    assert charts.number(12.0) == "12"
    assert charts.number(None) == charts.MISSING
    assert charts.number(float("nan")) == charts.MISSING
    assert charts.percent(87.46) == "87,5%"
    assert charts.number(2.5, 0) == "3"


def test_table_has_every_figure_escaped() -> None:
    html = charts.table(["<b>Jan</b>", "Feb"], {"a & b": [1500, None]}, caption="Judul",
                        label_heading="Bulan")
    assert "&lt;b&gt;Jan&lt;/b&gt;" in html and "a &amp; b" in html
    assert '<td class="num">1.500</td>' in html and f"<td class=\"num\">{charts.MISSING}" in html
    assert "<caption>Judul</caption>" in html and '<th scope="col">Bulan</th>' in html


def test_figure_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError):
        charts.figure("pie", "t", [], {})


def test_weasyprint_draws_the_chart_and_its_table() -> None:
    body = charts.figure("line", "Dilayani per bulan", MONTHS,
                         {"<= 1 jam": [80.5, 90, 95.25]}, percent_scale=True)
    body += charts.figure("share", "Bagian", ["Waingapu"], {"tepat": [3], "lambat": [1]})
    html = Markup("<html><body><h1>Uji</h1>{}</body></html>").format(body)
    pdf = render.html_to_pdf(str(html))

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = "".join(text.split())
    # The table's figures and the SVG's own axis labels (drawn by WeasyPrint's SVG renderer).
    assert "95,3%" in flat and "Waingapu" in flat
    assert flat.count("Dilayaniperbulan") == 2 and flat.count("03-2026") == 2
    assert "100%" in flat


def test_a_chart_of_the_same_figures_is_drawn_once(monkeypatch) -> None:
    drawn = []
    real = charts.pygal.Line

    def counting(*args, **kwargs):
        drawn.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(charts.pygal, "Line", counting)
    first = charts.line("Sekali", MONTHS, {"a": [1, 2, 3]})
    assert charts.line("Sekali", MONTHS, {"a": [1, 2, 3]}) == first
    assert len(drawn) == 1
    charts.line("Sekali", MONTHS, {"a": [1, 2, 4]})
    assert len(drawn) == 2
