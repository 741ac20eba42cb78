"""The audit trail: append-only, hash-chained events, one chain per organisation.

Each event's hash is SHA-256 over a canonical JSON of its fields and the previous event's
hash, so any altered, removed or reordered event breaks the chain from that point on.
``record`` must run inside the transaction of the change it describes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from openisms.core.context import current
from openisms.core.models import AuditChain, AuditEvent

GLOBAL_CHAIN = "global"
HASHED_FIELDS = (
    "seq",
    "organization_id",
    "timestamp",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "context",
    "request_id",
    "prev_hash",
)


def to_jsonable(value: Any) -> Any:
    """A JSON-safe, deterministic form of a field value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return to_jsonable(value.pk)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, set | frozenset) else items
    return str(value)


def _canonical_timestamp(ts: dt.datetime) -> str:
    return ts.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(fields: Mapping[str, Any]) -> str:
    payload = {name: fields[name] for name in HASHED_FIELDS}
    payload["timestamp"] = _canonical_timestamp(payload["timestamp"])
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def chain_key(organization_id: int | None) -> str:
    return GLOBAL_CHAIN if organization_id is None else f"org:{organization_id}"


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return str(getattr(actor, "email", "") or actor)


def object_label(obj: models.Model) -> tuple[str, str, str]:
    return obj._meta.label_lower, str(obj.pk), str(obj)[:255]


def record(
    *,
    organization: Any,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: Mapping[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one event to the organisation's chain (or the global chain when None)."""
    if obj is not None:
        object_type, object_id, object_repr = object_label(obj)
    org_id = organization.pk if organization is not None else None
    ctx = current()
    with transaction.atomic():
        key = chain_key(org_id)
        head = AuditChain.objects.select_for_update().filter(key=key).first()
        if head is None:
            try:
                with transaction.atomic():  # another writer may create it at the same moment
                    AuditChain.objects.create(key=key, organization_id=org_id)
            except IntegrityError:
                pass
            head = AuditChain.objects.select_for_update().get(key=key)
        actor_id = actor.pk if getattr(actor, "pk", None) else None
        fields: dict[str, Any] = {
            "seq": head.last_seq + 1,
            "organization_id": org_id,
            "timestamp": timezone.now(),
            "actor_id": actor_id,
            "actor_label": (actor_label or _actor_label(actor))[:254],
            "action": action,
            "object_type": object_type[:100],
            "object_id": object_id[:255],
            "object_repr": object_repr[:255],
            "changes": to_jsonable(dict(changes or {})),
            "context": to_jsonable(ctx.extra),
            "request_id": ctx.request_id,
            "prev_hash": head.last_hash,
        }
        fields["hash"] = compute_hash(fields)
        event = AuditEvent.objects.create(chain=head, **fields)
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


def record_many(
    *,
    organization: Any,
    actor: Any,
    action: str,
    entries: Sequence[tuple[models.Model, Mapping[str, Any]]],
) -> None:
    """One event per (object, changes), appended in order under a single lock of the chain
    head: the same chain ``record`` would build, with a few queries for thousands of events."""
    if not entries:
        return
    org_id = organization.pk if organization is not None else None
    ctx = current()
    with transaction.atomic():
        key = chain_key(org_id)
        head = AuditChain.objects.select_for_update().filter(key=key).first()
        if head is None:
            record(
                organization=organization,
                actor=actor,
                action=action,
                obj=entries[0][0],
                changes=entries[0][1],
            )
            entries = entries[1:]
            head = AuditChain.objects.select_for_update().get(key=key)
        seq, prev = head.last_seq, head.last_hash
        actor_id = actor.pk if getattr(actor, "pk", None) else None
        label = _actor_label(actor)[:254]
        context = to_jsonable(ctx.extra)
        events = []
        for obj, changes in entries:
            object_type, object_id, object_repr = object_label(obj)
            seq += 1
            fields: dict[str, Any] = {
                "seq": seq,
                "organization_id": org_id,
                "timestamp": timezone.now(),
                "actor_id": actor_id,
                "actor_label": label,
                "action": action,
                "object_type": object_type[:100],
                "object_id": object_id[:255],
                "object_repr": object_repr[:255],
                "changes": to_jsonable(dict(changes)),
                "context": context,
                "request_id": ctx.request_id,
                "prev_hash": prev,
            }
            fields["hash"] = compute_hash(fields)
            prev = fields["hash"]
            events.append(AuditEvent(chain=head, **fields))
        AuditEvent.objects.bulk_create(events, batch_size=1000)
        if events:
            head.last_seq, head.last_hash = seq, prev
            head.save(update_fields=["last_seq", "last_hash"])


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    key: str
    checked: int
    ok: bool
    broken_seq: int | None = None
    reason: str = ""


def verify_events(
    events: Iterable[Mapping[str, Any]], *, key: str, head_seq: int, head_hash: str
) -> ChainReport:
    """Check a chain given its events in seq order and its head. Pure: no database."""
    expected_seq = 1
    prev = ""
    checked = 0
    for ev in events:
        seq = ev["seq"]
        if seq != expected_seq:
            reason = "event missing" if seq > expected_seq else "events out of order"
            return ChainReport(key, checked, False, expected_seq, reason)
        if ev["prev_hash"] != prev:
            return ChainReport(key, checked, False, seq, "link to previous event broken")
        if compute_hash(ev) != ev["hash"]:
            return ChainReport(key, checked, False, seq, "event content altered")
        prev = ev["hash"]
        expected_seq += 1
        checked += 1
    if checked != head_seq or prev != head_hash:
        return ChainReport(key, checked, False, checked + 1, "events missing at the end")
    return ChainReport(key, checked, True)


def verify_chain(chain: AuditChain) -> ChainReport:
    values = AuditEvent.objects.filter(chain=chain).order_by("seq").values(*HASHED_FIELDS, "hash")
    return verify_events(
        values.iterator(chunk_size=2000),
        key=chain.key,
        head_seq=chain.last_seq,
        head_hash=chain.last_hash,
    )


def verify_all(*, organization: Any = None) -> list[ChainReport]:
    chains = AuditChain.objects.order_by("key")
    if organization is not None:
        chains = chains.filter(organization=organization)
    return [verify_chain(chain) for chain in chains]
