"""A small SVG of a company's valuations over time, drawn on the server: no script, no remote request."""
from __future__ import annotations

import datetime as dt

from markupsafe import Markup, escape

from etl.site import render

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 78, 16, 14, 34
LOWER_BOUNDS = ("at_least", "more_than")
UPPER_BOUNDS = ("nearly", "at_most", "less_than")


def year_fraction(date: str) -> float:
    """'2024' → mid-2024, '2024-02' → mid-February, '2024-02-19' → that day, as a fractional year."""
    parts = [int(part) for part in date.split("-")]
    if len(parts) == 1:
        return parts[0] + 0.5
    start = dt.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 15)
    return parts[0] + (start.timetuple().tm_yday - 1) / 365.25


def _ticks(top: float) -> list[float]:
    step = 10 ** (len(f"{int(top):d}") - 1)
    for factor in (1, 2, 5, 10):
        if top / (step * factor) <= 5:
            step *= factor
            break
    return [step * i for i in range(0, int(top // step) + 1)]


def valuation_svg(points: list[dict]) -> Markup | None:
    """Circles at (date, US-dollar valuation); open with an arrow for a lower or upper bound; None if no point."""
    if not points:
        return None
    xs = [year_fraction(point["date"]) for point in points]
    low_x, high_x = float(int(min(xs))), float(int(max(xs)) + 1)  # whole calendar years
    top = max(point["amount_usd"] for point in points) * 1.15
    ticks = _ticks(top)
    top = max(top, ticks[-1])

    def x_of(value: float) -> float:
        return LEFT + (value - low_x) / (high_x - low_x) * (WIDTH - LEFT - RIGHT)

    def y_of(value: float) -> float:
        return HEIGHT - BOTTOM - value / top * (HEIGHT - TOP - BOTTOM)

    parts = [f'<svg class="valuation-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="Valuations the sources state, in US dollars, by date">']
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(render.money(tick, "USD") if tick else "0")}</text>')
    for year in range(int(low_x), int(high_x)):
        x = x_of(year)
        parts.append(f'<line class="year" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>'
                     f'<text class="axis" x="{x_of(year + 0.5):.1f}" y="{HEIGHT - BOTTOM + 16}" '
                     f'text-anchor="middle">{year}</text>')
    for point, x_value in zip(points, xs):
        parts.append(_mark(point, x_of(x_value), y_of(point["amount_usd"])))
    parts.append("</svg>")
    return Markup("".join(parts))


def _mark(point: dict, x: float, y: float) -> str:
    comparator = point.get("comparator") or "exact"
    hedge = "lower" if comparator in LOWER_BOUNDS else "upper" if comparator in UPPER_BOUNDS else "exact"
    fill = "#fff" if hedge != "exact" else "#1f6fb2"
    arrow = ""
    if hedge == "lower":
        arrow = f'<path class="arrow" d="M{x:.1f},{y - 8:.1f} l-4,6 h8 z"/>'
    elif hedge == "upper":
        arrow = f'<path class="arrow" d="M{x:.1f},{y + 8:.1f} l-4,-6 h8 z"/>'
    title = escape(f"{point['date']}: {point.get('value_phrase') or render.money(point['amount_usd'], 'USD')}"
                   f" ({point.get('source_publisher') or point['claim_id']})")
    return (f'<a href="{escape(point["href"])}"><g class="mark hedge-{hedge}"><title>{title}</title>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}"/>{arrow}</g></a>')
