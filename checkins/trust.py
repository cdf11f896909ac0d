"""The trust timeline: how commitments were kept, check-in by check-in, drawn as a plain SVG
chart on the server (no chart library), with a table and a one-line summary beside it."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements.models import Agreement, Need
from checkins.models import WEIGHT, CheckIn, Rating
from checkins.services import Progress

WIDTH, HEIGHT = 420, 200
# Room on the left for the widest label, "100%", right-aligned 8 units from the plot.
LEFT, RIGHT, TOP, BOTTOM = 60, 28, 14, 36


@dataclass
class Point:
    check_in: CheckIn
    kept: float  # 0..1
    count: int
    x: float = 0.0
    y: float = 0.0

    @property
    def percent(self) -> int:
        return round(self.kept * 100)

    @property
    def label(self) -> str:
        return str(formats.date_format(self.check_in.opens_at, "j M"))


def revealed_check_ins(agreement: Agreement, now: datetime.datetime) -> list[CheckIn]:
    """Check-ins whose answers everyone may see: closed, or everyone has checked in."""
    check_ins = list(
        CheckIn.objects.filter(agreement=agreement, opens_at__lte=now)
        .select_related("version")
        .order_by("number")
    )
    progress = Progress.of(check_ins)
    return [check_in for check_in in check_ins if progress.revealed(check_in, now)]


def series(agreement: Agreement, now: datetime.datetime, need: Need | None = None) -> list[Point]:
    """One point per revealed check-in with ratings: the share of commitments kept (partly kept
    counts half), for the whole agreement or one need (and the needs it was carried from)."""
    check_ins = revealed_check_ins(agreement, now)
    ratings = Rating.objects.filter(check_in__in=check_ins)
    if need is not None:
        ratings = ratings.filter(need__in=_lineage(need))
    weights: dict[int, list[float]] = defaultdict(list)
    for check_in_id, verdict in ratings.values_list("check_in_id", "verdict"):
        weights[check_in_id].append(WEIGHT[verdict])
    points = [
        Point(
            check_in,
            sum(weights[check_in.pk]) / len(weights[check_in.pk]),
            len(weights[check_in.pk]),
        )
        for check_in in check_ins
        if weights[check_in.pk]
    ]
    _place(points)
    return points


def _lineage(need: Need) -> list[int]:
    """The need and its earlier selves in older versions: one commitment over time."""
    ids, current = [need.pk], need
    while current.carried_from_id is not None:
        ids.append(current.carried_from_id)
        current = Need.objects.only("pk", "carried_from_id").get(pk=current.carried_from_id)
    return ids


def _place(points: list[Point]) -> None:
    span = WIDTH - LEFT - RIGHT
    step = span / max(len(points) - 1, 1)
    for index, point in enumerate(points):
        point.x = round(LEFT + (index * step if len(points) > 1 else span / 2), 1)
        point.y = round(TOP + (1 - point.kept) * (HEIGHT - TOP - BOTTOM), 1)


def summary(points: list[Point]) -> str:
    if not points:
        return _("No check-in has been revealed yet, so there is nothing to draw.")
    total = sum(p.kept * p.count for p in points) / sum(p.count for p in points)
    text = ngettext(
        "Over %(count)s check-in, %(share)s%% of commitments were kept.",
        "Over %(count)s check-ins, %(share)s%% of commitments were kept.",
        len(points),
    ) % {"count": len(points), "share": round(total * 100)}
    if len(points) > 1:
        text += " " + _("At the latest, %(latest)s%%; at the first, %(first)s%%.") % {
            "latest": points[-1].percent,
            "first": points[0].percent,
        }
    return text


def kept_share(agreement: Agreement, now: datetime.datetime) -> int | None:
    """The share of commitments kept over every revealed check-in, for "where you stand"."""
    points = series(agreement, now)
    if not points:
        return None
    return round(sum(p.kept * p.count for p in points) / sum(p.count for p in points) * 100)


def chart(points: list[Point]) -> dict[str, object]:
    """What the SVG template needs: geometry only, every number computed here."""
    plot_bottom = HEIGHT - BOTTOM
    grid = [
        {"y": round(TOP + (1 - share) * (plot_bottom - TOP), 1), "label": f"{round(share * 100)}%"}
        for share in (0.0, 0.5, 1.0)
    ]
    every = max(1, -(-len(points) // 8))  # at most eight date labels
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - 14,
        "grid": grid,
        "points": points,
        "line": " ".join(f"{p.x},{p.y}" for p in points),
        "labelled": [p for i, p in enumerate(points) if i % every == 0 or i == len(points) - 1],
    }
