"""The console's statistics drawn as SVG with the quality-status report's chart style: firms by
grade, and each group's sampling pass rate against the region's pass-rate target."""

from __future__ import annotations

import math
from functools import cache

import pygal

from credit import catalog
from credit.web import pdf
from credit.web.reports import quality_status as report

UNGRADED = "未评级"


@cache
def _families() -> tuple[str, ...]:
    # Asking fontconfig takes a subprocess; the fonts installed do not change while serving.
    return tuple(pdf.cjk_families())


def charts(figures: dict) -> dict[str, str]:
    """Inline SVG of the figures a statistics request answered (nothing is counted here)."""
    families = list(_families())
    style = report._style(families)
    counts = figures["totals"]["grades"]
    values = [counts.get(code, 0) for code in catalog.GRADES] + [counts["ungraded"]]
    # Firms are counted in whole numbers: the axis is marked in whole steps, about five of them.
    step = max(1, math.ceil(max(values) / 5))
    grades = report._config(
        pygal.Bar,
        style,
        show_legend=False,
        print_values=True,
        height=300,
        y_labels=list(range(0, max(values) + step, step)),
    )
    grades.x_labels = [*catalog.GRADES, UNGRADED]
    grades.add("企业数", values)

    groups = [g for g in figures["groups"] if g["inspections"]["batches"]]
    target = next(
        (t for t in figures["targets"] if t["code"] == "pass_rate_national" and t["target"]), None
    )
    goal = None if target is None else report._percent(target["target"])
    scale = [0, 20, 40, 60, 80, 100]
    rates = report._config(
        pygal.HorizontalBar,
        report._style(
            families, major_guide_stroke_color="#b7202e", major_guide_stroke_dasharray="6,3"
        ),
        height=max(200, 90 + 28 * len(groups)),
        margin_left=16 + 7 * max((len(g["label_zh"] or g["key"]) for g in groups), default=0),
        range=(0, 100),
        y_labels=scale if goal is None else sorted({*scale, goal}),
        y_labels_major=[] if goal is None else [goal],
        show_legend=False,
        print_values=len(groups) <= 30,
        value_formatter=lambda value: f"{value:.1f}%",
    )
    rates.x_labels = [g["label_zh"] or g["key"] for g in reversed(groups)]
    rates.add(
        "合格率",
        [
            {
                "value": report._percent(g["inspections"]["pass_rate"]),
                "color": report._MET_COLOURS[
                    None if goal is None else report._percent(g["inspections"]["pass_rate"]) >= goal
                ],
            }
            for g in reversed(groups)
        ],
    )
    return {
        "grades": report._without_scripts(grades.render(is_unicode=True)),
        "pass_rates": report._without_scripts(rates.render(is_unicode=True)) if groups else "",
    }
