"""Shared builders for the management review tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from openisms.reviews import services

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def make_review(org: Any, actor: Any, **data: Any) -> Any:
    data.setdefault("title", "Annual management review")
    data.setdefault("planned_on", TODAY)
    return services.review_create(organization=org, actor=actor, **data)


def prepared(org: Any, actor: Any, **data: Any) -> Any:
    data.setdefault("chair", actor)
    data.setdefault("attendees", [actor])
    review = make_review(org, actor, **data)
    return services.review_prepare(review=review, actor=actor, version=review.version)


def held(org: Any, actor: Any, held_on: dt.date | None = None, **data: Any) -> Any:
    review = prepared(org, actor, **data)
    return services.review_hold(
        review=review, actor=actor, version=review.version, held_on=held_on or TODAY
    )


def decide(review: Any, actor: Any, **data: Any) -> Any:
    data.setdefault("title", "Improve backup monitoring")
    return services.decision_create(review=review, actor=actor, **data)


def section(inputs: dict, key: str) -> dict:
    return next(s for s in inputs["sections"] if s["key"] == key)


def refs(inputs: dict, key: str, group: int = 0) -> list[str]:
    return [r["ref"] for r in section(inputs, key)["groups"][group]["records"]]


def figure(inputs: dict, key: str, label: str, group: int = 0) -> Any:
    return dict(section(inputs, key)["groups"][group]["figures"])[label]
