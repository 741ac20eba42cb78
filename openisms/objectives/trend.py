"""The trend chart of a metric as server-rendered SVG geometry (no script, no inline style: the
template draws it with SVG presentation attributes and classes from the app's stylesheet).
Numbers are formatted here, with a dot, so that no locale changes the drawing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from openisms.objectives.choices import Direction
from openisms.objectives.status import status_for

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 44
TICKS = 5
COLOURS = {
    "on_target": "#1b7f3b",
    "warning": "#a35a00",
    "off_target": "#c0392b",
}


def _n(x: float) -> str:
    return f"{x:.1f}"


def _label(value: Decimal) -> str:
    text = f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def trend_figure(metric: Any, measurements: list[Any]) -> dict[str, Any] | None:
    """Geometry for ``measurements`` (oldest first); None when there is nothing to draw."""
    if not measurements:
        return None
    values = [m.value for m in measurements]
    bounds = [*values, metric.target] + ([metric.warning] if metric.warning is not None else [])
    low, high = float(min(bounds)), float(max(bounds))
    span = high - low or abs(high) or 1.0
    low, high = low - span * 0.1, high + span * 0.1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    first, last = measurements[0].measured_on, measurements[-1].measured_on
    days = (last - first).days

    def x_of(day: Any) -> float:
        if days == 0:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (day - first).days / days

    def y_of(value: Any) -> float:
        return TOP + plot_h * (1 - (float(value) - low) / (high - low))

    points = []
    for m in measurements:
        status = status_for(
            value=m.value, target=metric.target, warning=metric.warning, direction=metric.direction
        )
        points.append(
            {
                "x": _n(x_of(m.measured_on)),
                "y": _n(y_of(m.value)),
                "status": status.value,
                "fill": COLOURS[status.value],
                "label": _("%(date)s: %(value)s %(unit)s (%(status)s)")
                % {
                    "date": m.measured_on.isoformat(),
                    "value": _label(m.value),
                    "unit": metric.unit,
                    "status": status.label,
                },
            }
        )
    ticks = []
    for i in range(TICKS):
        value = low + (high - low) * i / (TICKS - 1)
        ticks.append({"y": _n(y_of(value)), "label": f"{value:.4g}"})
    x_labels = [{"x": _n(x_of(first)), "label": first.isoformat(), "anchor": "start"}]
    if days:
        x_labels.append({"x": _n(x_of(last)), "label": last.isoformat(), "anchor": "end"})
    better = _("higher is better") if metric.direction == Direction.HIGHER else _("lower is better")
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "x_label_y": HEIGHT - BOTTOM + 18,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "points": points,
        "ticks": ticks,
        "x_labels": x_labels,
        "target_y": _n(y_of(metric.target)),
        "warning_y": _n(y_of(metric.warning)) if metric.warning is not None else None,
        "title": _("Trend of %(name)s") % {"name": metric.name},
        "desc": _(
            "%(n)d measurements from %(first)s to %(last)s; target %(target)s %(unit)s "
            "(%(better)s)%(warning)s; latest %(latest)s %(unit)s."
        )
        % {
            "n": len(measurements),
            "first": first.isoformat(),
            "last": last.isoformat(),
            "target": _label(metric.target),
            "unit": metric.unit,
            "better": better,
            "warning": (
                _(", warning threshold %(value)s %(unit)s")
                % {"value": _label(metric.warning), "unit": metric.unit}
            )
            if metric.warning is not None
            else "",
            "latest": _label(values[-1]),
        },
    }
