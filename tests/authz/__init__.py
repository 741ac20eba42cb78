"""Authorisation-matrix specs of the later apps, one module per app, merged into
``tests/test_authorization_matrix.py``. Each module defines:

* ``ORG_ROUTES``: {url name: Spec} for its UI routes under /o/<org_slug>/;
* ``API_ROUTES``: {(method, OpenAPI path): Spec} for its API operations;
* ``KINDS``: the ``Spec.obj`` kinds it answers;
* ``world(world, other_owner)``: builds its records once per test module (``world.own``,
  ``world.other``, ``world.users[role]``, ``world.adopted`` are ready) and returns them;
* ``obj_pk(records, kind, *, user_key, foreign)``: the record of ``kind`` for the acting user
  (``user_key``: a role value, or "expired_auditor") in the own organisation, or the other
  organisation's when ``foreign``. It returns a pk, or a dict: keys ending in ``_id`` are the
  API path's parameters, the others the UI route's kwargs.
"""

from tests.authz import auditpack, audits, evidence_requests, pdca, readiness, reviews

EXTENSIONS = (audits, reviews, readiness, auditpack, pdca, evidence_requests)
