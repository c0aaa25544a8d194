"""The report page's charts as inline SVG made by pygal: no JavaScript and nothing fetched,
so the page works offline and prints as it shows (docs/reports.md#the-page-and-the-workbook).

Pygal escapes every label and value it writes into the SVG; what it returns is safe to
inline in the page as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pygal  # type: ignore[import-untyped]
from pygal.style import Style  # type: ignore[import-untyped]

# Quiet colours that print on white: blue for compliance, red for breaches.
BLUE, RED, GREY = "#0052cc", "#de350b", "#5e6c84"
FONT = '"Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif'
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#172b4d",
    foreground_strong="#172b4d",
    foreground_subtle="#dfe1e6",
    opacity="0.9",
    opacity_hover="1",
    colors=(BLUE, RED, "#00875a", "#ff991f", "#6554c0", GREY),
    font_family=FONT,
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    legend_font_size=12,
    no_data_font_size=14,
    value_colors=("#ffffff",),
    guide_stroke_color="#ebecf0",
    guide_stroke_dasharray="none",
    major_guide_stroke_color="#dfe1e6",
    major_guide_stroke_dasharray="none",
)
BREACH_STYLE = Style(**{**STYLE.to_dict(), "colors": (RED,)})
# pygal's comments carry its web address and the day the chart was drawn: neither belongs
# in a page that must reference nothing outside itself and be the same each time. Its one
# script (its configuration, for tooltips, written even with js=[]) goes too: the page runs
# no JavaScript. The SVG is serialised XML, where a "<" in text is "&lt;", so the first
# "</script>" after "<script" is the script's own end.
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)

Formatter = Callable[[float], str]


def _render(chart: pygal.graph.graph.Graph) -> str:
    svg: str = chart.render(is_unicode=True)
    return _SCRIPT.sub("", _COMMENT.sub("", svg))


def _options(
    width: int, height: int, formatter: Formatter, style: Style = STYLE
) -> dict[str, object]:
    return {
        "style": style,
        "width": width,
        "height": height,
        "js": [],  # pygal's default fetches its tooltip script from a CDN
        "disable_xml_declaration": True,
        "show_legend": False,
        "value_formatter": lambda v: "" if v is None else formatter(v),
        "margin": 8,
        "spacing": 6,
        "no_data_text": "-",
    }


def whole_percent(value: float) -> str:
    """An axis label: 90% (the same in Indonesian and English)."""
    return f"{value:.0%}"


def compliance_bars(labels: Sequence[str], values: Sequence[float]) -> str:
    """One horizontal bar a group, in the order given (worst first, at the top), on an axis
    from 0 to 100 %; the labels say the values."""
    chart = pygal.HorizontalBar(
        **_options(860, 60 + 24 * max(len(labels), 1), whole_percent),
        range=(0, 1),
        y_labels=[step / 10 for step in range(11)],
        truncate_label=-1,
        show_y_guides=True,
        show_x_guides=False,
    )
    # pygal draws the first label at the bottom: reversed, the worst is on top.
    chart.x_labels = list(reversed(labels))
    chart.add("", list(reversed(values)))
    return _render(chart)


def _day_axis(chart: pygal.graph.graph.Graph, days: Sequence[str]) -> None:
    chart.x_labels = list(days)
    chart.truncate_label = -1
    chart.x_labels_major_every = max(1, len(days) // 10)
    chart.show_minor_x_labels = len(days) <= 16


def daily_line(days: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]) -> str:
    """One line a series (a goal) over the days; a day with nothing closed is a gap."""
    known = [v for _name, values in series for v in values if v is not None]
    # Compliance near 100 % every day would be a flat line on a 0-100 % axis: the axis
    # starts a step of 10 % below the lowest day, and always shows 100 %.
    tenths = max(0, int(min(known, default=0.0) * 10) - 1)
    step = 5 if tenths >= 7 else 10  # in hundredths: 5 % steps on a short axis
    options = {**_options(860, 280, whole_percent), "show_legend": len(series) > 1}
    chart = pygal.Line(
        **options,
        range=(tenths / 10, 1),
        y_labels=[v / 100 for v in range(tenths * 10, 101, step)],
        legend_at_bottom=True,
        dots_size=3,
        allow_interruptions=True,
        show_x_guides=False,
    )
    _day_axis(chart, days)
    for name, values in series:
        chart.add(name, list(values))
    return _render(chart)


def daily_bars(days: Sequence[str], values: Sequence[int | None], formatter: Formatter) -> str:
    """One bar a day (new breaches)."""
    chart = pygal.Bar(
        **_options(860, 220, formatter, BREACH_STYLE),
        show_x_guides=False,
        print_values=len(days) <= 31,
        print_zeroes=False,
    )
    _day_axis(chart, days)
    chart.add("", list(values))
    return _render(chart)
