"""Charts for the dashboards and the monthly evaluation: pygal SVG, inline, no JavaScript.

One chart serves the browser and WeasyPrint alike: it has no width or height of its own
(only a viewBox, so it takes the width of its container), carries its styles inside the
SVG, names system fonts only and loads nothing. Numbers are written the Indonesian way
(1.234,5; 87,5%). Every chart has its figures as a table too (`table`, or `figure` for
both at once), for readers who cannot see the chart and for the printed record.
"""

from __future__ import annotations

import hashlib
import math
import threading
import xml.etree.ElementTree as ET
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pygal
from markupsafe import Markup
from pygal.style import Style

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

WIDTH = 800
HEIGHT = 340
FONTS = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif'
# Colour-blind-safe (Okabe-Ito), first ones distinct in greyscale print as well.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000")
MISSING = "–"
CACHE_SIZE = 256  # rendered charts kept (a few KB each)
_CACHE: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_LOCK = threading.Lock()

Series = Mapping[str, Sequence[float | int | None]]

_STYLE = Style(
    background="#ffffff", plot_background="#ffffff",
    foreground="#222222", foreground_strong="#000000", foreground_subtle="#555555",
    font_family=FONTS, label_font_size=13, major_label_font_size=13, value_font_size=13,
    value_label_font_size=12, title_font_size=17, legend_font_size=14,
    tooltip_font_size=13, no_data_font_size=20, guide_stroke_color="#bbbbbb",
    major_guide_stroke_color="#888888", opacity=".9", opacity_hover="1",
    transition="0ms", colors=COLOURS,
)


def number(value: float | int | None, digits: int = 1) -> str:
    """1234.5 -> '1.234,5'; whole numbers without decimals; None -> '–'. Rounded half
    up, as figures are rounded by hand in the office's reports (95,25 -> 95,3)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _sep, fraction = f"{abs(rounded):f}".partition(".")
    fraction = fraction.rstrip("0")
    # Indonesian grouping (CLDR "id": "." thousands, "," decimals), without Babel's
    # general formatter: a trend page formats a few hundred numbers.
    grouped = f"{int(whole):,}".replace(",", ".")
    return sign + grouped + ("," + fraction if fraction else "")


def percent(value: float | int | None, digits: int = 1) -> str:
    """87.5 (already a percentage) -> '87,5%'."""
    text = number(value, digits)
    return text if text == MISSING else text + "%"


def bar(title: str, labels: list[str], series: Series, *, percent_scale: bool = False,
        height: int = HEIGHT) -> Markup:
    """Grouped bars: one group per label, one bar per series."""
    return _render(lambda: pygal.Bar(_config(title, percent_scale, height)), "bar", title,
                   labels, series, percent_scale, height)


def line(title: str, labels: list[str], series: Series, *, percent_scale: bool = False,
         height: int = HEIGHT) -> Markup:
    """A line per series over the labels (months, days), for trends."""
    return _render(lambda: pygal.Line(_config(title, percent_scale, height, dots_size=4,
                                              stroke_style={"width": 3})),
                   "line", title, labels, series, percent_scale, height)


def share_bar(title: str, labels: list[str], series: Series, *,
              height: int = HEIGHT) -> Markup:
    """Stacked bars of shares, each label's parts adding up to 100%: series are given as
    counts and turned into percentages here, so a table of the counts can sit beside it."""
    shares = _shares(labels, series)
    return _render(lambda: pygal.StackedBar(_config(title, True, height)), "share", title,
                   labels, shares, True, height)


def table(labels: list[str], series: Series, *, caption: str | None = None,
          percent_scale: bool = False, label_heading: str = "") -> Markup:
    """The chart's figures as an HTML table: one row per label, one column per series."""
    fmt = percent if percent_scale else number
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(name) for name in series)
    rows = []
    for index, label in enumerate(labels):
        cells = Markup("").join(
            Markup('<td class="num">{}</td>').format(fmt(_at(values, index)))
            for values in series.values())
        rows.append(Markup('<tr><th scope="row">{}</th>{}</tr>').format(label, cells))
    cap = Markup("<caption>{}</caption>").format(caption) if caption else Markup("")
    return Markup(
        '<table class="chart-data">{}<thead><tr><th scope="col">{}</th>{}</tr></thead>'
        "<tbody>{}</tbody></table>").format(cap, label_heading, head, Markup("").join(rows))


def figure(kind: str, title: str, labels: list[str], series: Series, *,
           percent_scale: bool = False, label_heading: str = "") -> Markup:
    """A chart with its table under it, in one <figure>. `kind`: bar, line or share (the
    table of a share chart shows the counts it was drawn from)."""
    if kind == "bar":
        svg = bar(title, labels, series, percent_scale=percent_scale)
    elif kind == "line":
        svg = line(title, labels, series, percent_scale=percent_scale)
    elif kind == "share":
        svg = share_bar(title, labels, series)
        percent_scale = False
    else:
        raise ValueError(f"unknown chart kind {kind!r}")
    data = table(labels, series, caption=title, percent_scale=percent_scale,
                 label_heading=label_heading)
    return Markup('<figure class="chart">{}{}</figure>').format(svg, data)


def _config(title: str, percent_scale: bool, height: int, **extra: Any) -> pygal.Config:
    config = pygal.Config(
        title=title, width=WIDTH, height=height, style=_STYLE, js=[],
        disable_xml_declaration=True, explicit_size=False, pretty_print=False,
        legend_at_bottom=True, legend_at_bottom_columns=4, truncate_legend=40,
        truncate_label=18, show_minor_x_labels=True, x_label_rotation=0,
        value_formatter=percent if percent_scale else number, print_values=False,
        include_x_axis=True, margin=12, show_legend=True, tooltip_fancy_mode=False,
        no_data_text="Tidak ada data", **extra)
    if percent_scale:
        config.range = (0, 100)
    return config


def _render(make: Any, kind: str, title: str, labels: list[str], series: Series,
            percent_scale: bool, height: int) -> Markup:
    key = (kind, title, tuple(str(label) for label in labels),
           tuple((str(name), tuple(_clean(_at(values, i)) for i in range(len(labels))))
                 for name, values in series.items()),
           percent_scale, height)
    return Markup(_rendered(make, key))


def _rendered(make: Any, key: tuple[Any, ...]) -> str:
    """The SVG of `key`, drawn once: a chart is a pure function of its data, and pygal
    takes some 30 ms a chart, so a page of unchanged figures draws nothing."""
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    kind, title, labels, series, _percent, _height = key
    chart = make()
    chart.x_labels = list(labels)
    if len(labels) > 8:
        # Twelve month names side by side would overlap; slanted, they need room
        # below the axis that pygal does not keep from the legend.
        chart.x_label_rotation = 30
        chart.margin_bottom = 34
    for name, values in series:
        chart.add(name, list(values))
    svg = _tidy(chart.render(is_unicode=True), chart.uuid, _digest(*key), title)
    with _LOCK:
        _CACHE[key] = svg
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return svg


def _tidy(svg: str, uuid: str, digest: str, title: str) -> str:
    """Drop pygal's script and comments (one carries today's date), give the chart an id
    derived from its data (the same chart renders the same bytes, so a stored PDF's
    sha256 does not change on regeneration) and label it for assistive technology."""
    root = ET.fromstring(svg.replace(uuid, digest))
    for parent in root.iter():
        for child in list(parent):
            if not isinstance(child.tag, str) or child.tag == f"{{{SVG_NS}}}script" or (
                    child.tag == f"{{{SVG_NS}}}desc"
                    and child.get("class", "").split()[:1] in (["x"], ["y"])):
                # Comments, the script and the tooltip coordinates only its script read.
                parent.remove(child)
        if parent.get("id", "").startswith("activate-serie-"):
            del parent.attrib["id"]  # the script's hook; two charts on a page would clash
    root.set("role", "img")
    root.set("aria-label", title)
    root.set("class", (root.get("class", "") + " chart-svg").strip())
    root.set("preserveAspectRatio", "xMidYMid meet")
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def _digest(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _at(values: Sequence[float | int | None], index: int) -> float | int | None:
    return values[index] if index < len(values) else None


def _clean(value: float | int | None) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(value)


def _shares(labels: list[str], series: Series) -> dict[str, list[float | int | None]]:
    totals = [sum(_clean(_at(values, i)) or 0 for values in series.values())
              for i in range(len(labels))]
    return {name: [None if not totals[i] else 100 * (_clean(_at(values, i)) or 0) / totals[i]
                   for i in range(len(labels))]
            for name, values in series.items()}
