"""Generic writes for organisation-owned records: validate, lock optimistically, audit.

Domain services call these instead of ``save()``/``delete()`` so that every create, update
and delete writes exactly one audit event in the same transaction, and every edit of a
``Versioned`` record is refused when made from a stale version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from openisms.core import audit
from openisms.core.exceptions import ConflictError, PreconditionFailed
from openisms.core.models import Versioned

# Never copied into the audit trail.
SECRET_FIELDS = frozenset({"password", "key_hash", "secret"})
SKIPPED_FIELDS = frozenset({"version", "id"})


def _audited_fields(instance: models.Model) -> list[models.Field]:
    return [
        f
        for f in instance._meta.concrete_fields
        if f.name not in SKIPPED_FIELDS and f.name not in SECRET_FIELDS
    ]


def validate_text(instance: models.Model) -> None:
    """Refuse NUL characters in text (PostgreSQL cannot store them; SQLite would), naming the
    field, so both databases accept exactly the same input."""
    errors = {
        f.name: _("Null characters are not allowed.")
        for f in instance._meta.concrete_fields
        if isinstance(getattr(instance, f.attname, None), str)
        and "\x00" in getattr(instance, f.attname)
    }
    if errors:
        raise ValidationError(errors)


def snapshot(instance: models.Model) -> dict[str, Any]:
    return {
        f.attname: audit.to_jsonable(getattr(instance, f.attname))
        for f in _audited_fields(instance)
    }


def _organization_of(instance: models.Model) -> Any:
    if instance._meta.label == "accounts.Organization":
        return instance
    return instance.organization  # type: ignore[attr-defined]


def record_create[M: models.Model](instance: M, *, actor: Any, action: str = "create") -> M:
    with transaction.atomic():
        validate_text(instance)
        instance.full_clean()
        try:
            with transaction.atomic():
                instance.save(force_insert=True)
        except IntegrityError as exc:
            # A concurrent request created the same record between our checks and the insert.
            raise ValidationError(_("This record was just created by someone else.")) from exc
        changes = {name: [None, value] for name, value in snapshot(instance).items()}
        audit.record(
            organization=_organization_of(instance),
            actor=actor,
            action=action,
            obj=instance,
            changes=changes,
        )
    return instance


def record_update[M: models.Model](
    instance: M,
    *,
    actor: Any,
    data: Mapping[str, Any],
    expected_version: int | None = None,
    if_match: bool = False,
    action: str = "update",
    exclude_validation: Iterable[str] = (),
) -> M:
    """Apply ``data`` to ``instance``, refusing stale edits of versioned records.

    ``expected_version`` is the version the client edited; for ``Versioned`` models it is
    compared in the UPDATE statement itself, so two concurrent edits cannot both succeed.
    """
    model = type(instance)
    before = snapshot(instance)
    for name, value in data.items():
        setattr(instance, name, value)
    validate_text(instance)
    instance.full_clean(exclude=list(exclude_validation))
    after = snapshot(instance)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    with transaction.atomic():
        versioned = isinstance(instance, Versioned)
        if versioned:
            current_version: int = getattr(instance, "version")  # noqa: B009
            version = current_version if expected_version is None else expected_version
            values = {f.attname: getattr(instance, f.attname) for f in _fields_for(instance, data)}
            updated = model._default_manager.filter(pk=instance.pk, version=version).update(
                version=F("version") + 1, **values
            )
            if updated != 1:
                current = (
                    model._default_manager.filter(pk=instance.pk)
                    .values_list("version", flat=True)
                    .first()
                )
                error = PreconditionFailed if if_match else ConflictError
                raise error(obj=instance, expected=version, current=current)
            instance.version = version + 1  # type: ignore[attr-defined]
        else:
            instance.save(update_fields=[f.name for f in _fields_for(instance, data)])
        if changes:
            audit.record(
                organization=_organization_of(instance),
                actor=actor,
                action=action,
                obj=instance,
                changes=changes,
            )
    return instance


def _fields_for(instance: models.Model, data: Mapping[str, Any]) -> list[models.Field]:
    names = set(data)
    return [f for f in instance._meta.concrete_fields if f.name in names or f.attname in names]


def record_delete(
    instance: models.Model,
    *,
    actor: Any,
    expected_version: int | None = None,
    action: str = "delete",
    if_match: bool = False,
) -> None:
    model = type(instance)
    with transaction.atomic():
        if isinstance(instance, Versioned) and expected_version is not None:
            locked = model._default_manager.select_for_update().filter(
                pk=instance.pk, version=expected_version
            )
            if not locked.exists():
                current = (
                    model._default_manager.filter(pk=instance.pk)
                    .values_list("version", flat=True)
                    .first()
                )
                error = PreconditionFailed if if_match else ConflictError
                raise error(obj=instance, expected=expected_version, current=current)
        changes = {name: [value, None] for name, value in snapshot(instance).items()}
        audit.record(
            organization=_organization_of(instance),
            actor=actor,
            action=action,
            obj=instance,
            changes=changes,
        )
        instance.delete()


def record_event(
    *, instance: models.Model, actor: Any, action: str, changes: Mapping[str, Any] | None = None
) -> None:
    """An event about a record that is not a field change (approval, token use...)."""
    audit.record(
        organization=_organization_of(instance),
        actor=actor,
        action=action,
        obj=instance,
        changes=changes,
    )


def record_m2m(instance: models.Model, *, actor: Any, field: str, ids: Iterable[Any]) -> None:
    """Set a many-to-many field and audit the change (before/after lists of ids)."""
    manager = getattr(instance, field)
    new = sorted({int(i) for i in ids})
    old = sorted(manager.values_list("pk", flat=True))
    if new == old:
        return
    with transaction.atomic():
        manager.set(new)
        audit.record(
            organization=_organization_of(instance),
            actor=actor,
            action="update",
            obj=instance,
            changes={field: [old, new]},
        )


def record_create_many[M: models.Model](
    instances: list[M], *, organization: Any, actor: Any, exclude_validation: Iterable[str] = ()
) -> list[M]:
    """Create many records of one organisation at once, each validated and audited like
    ``record_create`` (one "create" event per record, same chain). ``exclude_validation`` names
    foreign keys the caller has already checked in bulk (avoids a query per row)."""
    exclude = list(exclude_validation)
    with transaction.atomic():
        for instance in instances:
            validate_text(instance)
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        if not instances:
            return instances
        model = type(instances[0])
        model._default_manager.bulk_create(instances, batch_size=1000)
        audit.record_many(
            organization=organization,
            actor=actor,
            action="create",
            entries=[
                (i, {name: [None, value] for name, value in snapshot(i).items()}) for i in instances
            ],
        )
    return instances
