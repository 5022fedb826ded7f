"""The quality-status report as a page and as a PDF, its charts drawn as SVG by pygal."""

from __future__ import annotations

import re
from decimal import Decimal

import pygal
from pygal.style import Style

from credit import clock
from credit.web import pdf
from credit.web.templating import environment

PDF_MIMETYPE = pdf.MIMETYPE
CHART_FONT = '"Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif'
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
_MET_COLOURS = {True: "#1e7b34", False: "#b7202e", None: "#1f6feb"}
_COLOURS = ("#b7202e", "#1f6feb", "#1e7b34", "#d97706", "#6b21a8", "#0f766e", "#9ca3af")


def filename(report: dict, extension: str) -> str:
    return f"quality-status-{report['region']}-{report['period']['code']}.{extension}"


def _style(families: list[str], **options) -> Style:
    font = ", ".join([*(f'"{family}"' for family in families[:2]), CHART_FONT])
    return Style(
        font_family=font,
        background="white",
        plot_background="white",
        foreground="#1f2933",
        foreground_strong="#1f2933",
        foreground_subtle="#c5ccd3",
        colors=_COLOURS,
        label_font_size=13,
        major_label_font_size=13,
        legend_font_size=14,
        value_font_size=12,
        title_font_size=16,
        **options,
    )


def _config(chart_class, style: Style, **options):
    # No scripts: the page works without JavaScript and WeasyPrint runs none.
    settings = {
        "js": [],
        "disable_xml_declaration": True,
        "explicit_size": False,
        "width": 800,
        "height": 380,
        "margin": 16,
        "legend_at_bottom": True,
        "truncate_legend": -1,
        "truncate_label": -1,
    }
    return chart_class(style=style, **{**settings, **options})


def _percent(rate) -> float | None:
    return None if rate is None else float(Decimal(rate) * 100)


def charts(report: dict, families: list[str]) -> dict[str, str]:
    """The report's charts as inline SVG: the same markup goes into the page and the PDF."""
    style = _style(families)
    grades = _config(pygal.Bar, style, show_legend=False, print_values=True)
    grades.x_labels = [row["label_zh"].removeprefix("质量信用") for row in report["grades"]]
    grades.add("企业数", [row["count"] for row in report["grades"]])

    # The target is the one major guide line across the bars, drawn in the report's red; a bar is
    # green when its product meets the target, red when it does not.
    target = report["product_target"]
    goal = None if target is None else _percent(target["target"])
    scale = [0, 20, 40, 60, 80, 100]
    # Bars lie down, one line per product, so that names stay readable however many there are.
    shown = report["products"]
    products = _config(
        pygal.HorizontalBar,
        _style(families, major_guide_stroke_color="#b7202e", major_guide_stroke_dasharray="6,3"),
        height=max(220, 90 + 28 * len(shown)),
        # pygal measures labels as if every character were a narrow Latin one; a Chinese one is
        # nearly twice as wide, so the room for the names is widened by the difference.
        margin_left=16 + 7 * max((len(row["label_zh"]) for row in shown), default=0),
        range=(0, 100),
        y_labels=scale if goal is None else sorted({*scale, goal}),
        y_labels_major=[] if goal is None else [goal],
        show_legend=False,
        print_values=len(shown) <= 30,
        value_formatter=lambda value: f"{value:.1f}%",
    )
    # pygal draws a horizontal chart's first label at the bottom: reversed, the table's order.
    products.x_labels = [row["label_zh"] for row in reversed(shown)]
    products.add(
        "合格率",
        [
            {"value": _percent(row["pass_rate"]), "color": _MET_COLOURS[row["met"]]}
            for row in reversed(shown)
        ],
    )

    districts = _config(pygal.StackedBar, style, x_label_rotation=0)
    districts.x_labels = [row["name"] for row in report["districts"]]
    for row in report["grades"]:
        districts.add(
            row["label_zh"].removeprefix("质量信用"),
            [district["grades"][row["grade"]] for district in report["districts"]],
        )
    return {
        "grades": _without_scripts(grades.render(is_unicode=True)),
        "products": _without_scripts(products.render(is_unicode=True)),
        "districts": _without_scripts(districts.render(is_unicode=True)),
    }


def _without_scripts(svg: str) -> str:
    # pygal writes its configuration for its tooltips script even when it loads no script; the
    # charts are pictures, and a page's policy runs no script anyway.
    return _SCRIPT.sub("", svg)


def render_html(report: dict, families: list[str] | None = None) -> str:
    families = pdf.cjk_families() if families is None else families
    return (
        environment()
        .get_template("reports/quality_status.html")
        .render(
            report=report,
            charts=charts(report, families),
            comparison={row["code"]: row for row in report["comparison"]},
            font_families=families,
            issued_on=clock.today(),
        )
    )


def render_pdf(report: dict) -> bytes:
    """The report as a PDF (refused with what to install when the machine cannot draw it)."""
    return pdf.render(render_html(report))
