"""Authorisation-matrix specs of the reviews app (see tests/authz/__init__.py).

Per acting user (and in the other organisation): a planned review ("review", version 1), a
prepared one chaired by them with them attending ("review_prepared", version 2), a held one
chaired by them with minutes ("review_held", version 3), and on it two open decisions they own:
"decision" (kind objective, version 1) and "decision_improvement" (kind improvement)."""

from __future__ import annotations

from typing import Any

from tests.authz.spec import Spec

VIEW = "reviews.view_review"
CHANGE = "reviews.change_review"
UPDATE = "reviews.update_decision"

ORG_ROUTES: dict[str, Any] = {
    "reviews:review_list": Spec(VIEW),
    "reviews:review_export": Spec(VIEW),
    "reviews:review_create": Spec(CHANGE, ("GET", "POST")),
    "reviews:review_detail": Spec(VIEW, obj="review_held"),
    "reviews:review_edit": Spec(CHANGE, ("GET", "POST"), "review"),
    "reviews:review_delete": Spec(CHANGE, ("POST",), "review"),
    "reviews:review_prepare": Spec(CHANGE, ("POST",), "review"),
    "reviews:review_recompile": Spec(CHANGE, ("POST",), "review_prepared"),
    "reviews:review_hold": Spec(CHANGE, ("POST",), "review_prepared"),
    "reviews:review_close": Spec(CHANGE, ("POST",), "review_held"),
    "reviews:review_minutes": Spec(VIEW, obj="review_held"),
    "reviews:decision_create": Spec(CHANGE, ("GET", "POST"), "review_held"),
    "reviews:decision_list": Spec(VIEW),
    "reviews:decision_export": Spec(VIEW),
    "reviews:decision_detail": Spec(VIEW, obj="decision"),
    "reviews:decision_edit": Spec(CHANGE, ("GET", "POST"), "decision"),
    "reviews:decision_progress": Spec(UPDATE, ("POST",), "decision"),
    "reviews:decision_delete": Spec(CHANGE, ("POST",), "decision"),
    "reviews:decision_objective": Spec(CHANGE, ("POST",), "decision"),
    "reviews:decision_opportunity": Spec(CHANGE, ("POST",), "decision_improvement"),
}

R = "/api/v1/orgs/{slug}/management-reviews/"
D = "/api/v1/orgs/{slug}/review-decisions/"

API_ROUTES: dict[tuple[str, str], Any] = {
    ("GET", R): Spec(VIEW),
    ("POST", R): Spec(CHANGE, body='{"title": "Annual review", "planned_on": "2026-03-01"}'),
    ("GET", R + "{review_id}/"): Spec(VIEW, obj="review"),
    ("PATCH", R + "{review_id}/"): Spec(
        CHANGE, obj="review", body='{"title": "Renamed", "version": 1}'
    ),
    ("DELETE", R + "{review_id}/"): Spec(CHANGE, obj="review", query="?version=1"),
    ("POST", R + "{review_id}/prepare/"): Spec(CHANGE, obj="review", body='{"version": 1}'),
    ("POST", R + "{review_id}/recompile/"): Spec(
        CHANGE, obj="review_prepared", body='{"version": 2}'
    ),
    ("POST", R + "{review_id}/hold/"): Spec(CHANGE, obj="review_prepared", body='{"version": 2}'),
    ("POST", R + "{review_id}/close/"): Spec(CHANGE, obj="review_held", body='{"version": 3}'),
    ("GET", R + "{review_id}/inputs/"): Spec(VIEW, obj="review"),
    ("GET", R + "{review_id}/minutes/"): Spec(VIEW, obj="review_held", query="?format=docx"),
    ("GET", R + "{review_id}/decisions/"): Spec(VIEW, obj="review_held"),
    ("POST", R + "{review_id}/decisions/"): Spec(
        CHANGE, obj="review_held", body='{"title": "Act on it"}'
    ),
    ("GET", D): Spec(VIEW),
    ("GET", D + "{decision_id}/"): Spec(VIEW, obj="decision"),
    ("PATCH", D + "{decision_id}/"): Spec(
        UPDATE, obj="decision", body='{"status": "in_progress", "version": 1}'
    ),
    ("DELETE", D + "{decision_id}/"): Spec(CHANGE, obj="decision", query="?version=1"),
    ("POST", D + "{decision_id}/objective/"): Spec(CHANGE, obj="decision"),
    ("POST", D + "{decision_id}/opportunity/"): Spec(CHANGE, obj="decision_improvement"),
}

KINDS: set[str] = {"review", "review_prepared", "review_held", "decision", "decision_improvement"}


def world(world: Any, other_owner: Any) -> dict[str, Any]:
    from django.utils import timezone

    from openisms.reviews import services

    today = timezone.localdate()
    result: dict[str, Any] = {}
    for org, owner, keys in (
        (world.own, world.users["owner"], list(world.users)),
        (world.other, other_owner, ["other"]),
    ):
        for key in keys:
            person = other_owner if key == "other" else world.users[key]

            def create(title: str, *, org: Any = org, owner: Any = owner, **data: Any) -> Any:
                return services.review_create(
                    organization=org, actor=owner, title=title, planned_on=today, **data
                )

            planned = create("Planned")
            prepared = create("Prepared", chair=person, attendees=[person])
            prepared = services.review_prepare(review=prepared, actor=owner, version=1)
            held = create("Held", chair=person, attendees=[person], minutes="Agreed.")
            held = services.review_prepare(review=held, actor=owner, version=1)
            held = services.review_hold(review=held, actor=owner, version=2, held_on=today)
            assert (planned.version, prepared.version, held.version) == (1, 2, 3)
            decision = services.decision_create(
                review=held, actor=owner, kind="objective", title="Objective", owner=person
            )
            improvement = services.decision_create(
                review=held, actor=owner, kind="improvement", title="Idea", owner=person
            )
            result[key] = {
                "review": {"pk": planned.pk, "review_id": planned.pk},
                "review_prepared": {"pk": prepared.pk, "review_id": prepared.pk},
                "review_held": {"pk": held.pk, "review_id": held.pk},
                "decision": {"pk": decision.pk, "decision_id": decision.pk},
                "decision_improvement": {"pk": improvement.pk, "decision_id": improvement.pk},
            }
    return result


def obj_pk(records: dict[str, Any], kind: str, *, user_key: str, foreign: bool) -> Any:
    return records["other" if foreign else user_key][kind]
