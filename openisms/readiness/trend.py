"""The readiness score over time as server-rendered SVG geometry (the approach of
``openisms.objectives.trend``: no script, no inline style; numbers formatted here with a dot)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
TICKS = (0, 25, 50, 75, 100)


def _n(x: float) -> str:
    return f"{x:.1f}"


def trend_figure(snapshots: list[Any]) -> dict[str, Any] | None:
    """Geometry for ``snapshots`` (oldest first; each has ``date`` and ``score``)."""
    if not snapshots:
        return None
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    first, last = snapshots[0].date, snapshots[-1].date
    days = (last - first).days

    def x_of(day: Any) -> float:
        return LEFT + plot_w / 2 if days == 0 else LEFT + plot_w * (day - first).days / days

    def y_of(score: Any) -> float:
        return TOP + plot_h * (1 - float(score) / 100)

    points = [
        {
            "x": _n(x_of(s.date)),
            "y": _n(y_of(s.score)),
            "label": _("%(date)s: score %(score)s, %(blockers)d blocker(s)")
            % {"date": s.date.isoformat(), "score": s.score, "blockers": s.blocker},
        }
        for s in snapshots
    ]
    x_labels = [{"x": _n(x_of(first)), "label": first.isoformat(), "anchor": "start"}]
    if days:
        x_labels.append({"x": _n(x_of(last)), "label": last.isoformat(), "anchor": "end"})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "x_label_y": HEIGHT - BOTTOM + 18,
        "ticks": [{"y": _n(y_of(t)), "label": str(t)} for t in TICKS],
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "points": points,
        "x_labels": x_labels,
        "title": _("Readiness score over time"),
        "desc": _("%(n)d daily snapshots from %(first)s to %(last)s; latest score %(score)s.")
        % {
            "n": len(snapshots),
            "first": first.isoformat(),
            "last": last.isoformat(),
            "score": snapshots[-1].score,
        },
    }
