from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import _user_has_perm  # type: ignore[attr-defined]
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openisms.accounts.roles import Role
from openisms.core.models import OrganizationOwned, Versioned


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """A person. What they may do depends on their membership in each organisation; there is
    deliberately no superuser that bypasses the organisation scope."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # Permission checks go through the authentication backends, which answer per organisation.
    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return self.is_active and _user_has_perm(self, perm, obj)

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return all(self.has_perm(p, obj) for p in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return False


slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    _("Use 1–50 lowercase letters, digits and hyphens, not starting or ending with a hyphen."),
)


class Organization(Versioned):
    """A tenant: one ISMS. Every organisation-owned record points here."""

    slug = models.CharField(_("slug"), max_length=50, unique=True, validators=[slug_validator])
    name = models.CharField(_("name"), max_length=200)
    require_mfa = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_("Members must set up an authenticator app before they can open it."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self) -> str:
        return self.name


class Membership(OrganizationOwned, Versioned):
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    access_starts_at = models.DateTimeField(
        _("access from"),
        null=True,
        blank=True,
        help_text=_("Before this moment the membership grants nothing (e.g. external auditors)."),
    )
    access_expires_at = models.DateTimeField(
        _("access expires"),
        null=True,
        blank=True,
        help_text=_("After this moment the membership grants nothing (e.g. external auditors)."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"

    def is_current(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return (self.access_starts_at is None or self.access_starts_at <= now) and (
            self.access_expires_at is None or self.access_expires_at > now
        )

    def access_state(self, now: Any = None) -> str:
        """The access window now: "pending" (not begun), "expired", or "current"."""
        now = now or timezone.now()
        if self.access_starts_at is not None and self.access_starts_at > now:
            return "pending"
        if self.access_expires_at is not None and self.access_expires_at <= now:
            return "expired"
        return "current"


class ApiToken(OrganizationOwned):
    """A bearer token for the API, for one user in one organisation. Only a SHA-256 of the
    token is stored; the token itself is shown once, when created."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
