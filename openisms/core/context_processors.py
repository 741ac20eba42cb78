from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from openisms.core import nav


def shell(request: HttpRequest) -> dict[str, Any]:
    """The organisation switcher and the navigation allowed to the user's role."""
    org = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    context: dict[str, Any] = {"current_org": org}
    if org is not None and user is not None:
        context["nav_items"] = [
            {
                "key": item.key,
                "label": item.label,
                "url": reverse(item.url_name, kwargs={"org_slug": org.slug}),
                "section": item.section,
            }
            for item in nav.items()
            if user.has_perm(item.permission, org)
        ]
        context["user_orgs"] = getattr(request, "user_organizations", [])
    return context
