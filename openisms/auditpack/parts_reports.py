"""The parts built from the reports of the internal audit, management review and readiness
apps (``openisms.audits.report``, ``openisms.reviews.report``, ``openisms.readiness.report``).
Each report is rendered to PDF through ``openisms.core.reports``. An app that cannot be
imported makes its part "not available" (noted in the manifest) instead of failing the pack."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from openisms.auditpack.builder import AsOf, FolderWriter, PartUnavailable, register
from openisms.core.gate import scoped
from openisms.core.reports import render


def _unavailable(what: str, exc: Exception) -> PartUnavailable:
    return PartUnavailable(_("not available: %(what)s (%(error)s).") % {"what": what, "error": exc})


@register("07-internal-audit", "Internal audit reports (9.2)")
def audits_part(organization: Any, as_of: AsOf, w: FolderWriter) -> None:
    try:
        from openisms.audits.choices import AuditStatus
        from openisms.audits.models import Audit
        from openisms.audits.report import build_report, report_filename
    except ImportError as exc:
        raise _unavailable(_("the internal audit reports"), exc) from exc
    audits = (
        scoped(Audit, organization)
        .filter(
            status__in=(AuditStatus.REPORTED, AuditStatus.CLOSED),
            report_issued_on__lte=as_of.date,
        )
        .order_by("report_issued_on", "ref")
    )
    for audit in audits:
        w.add_bytes(f"{report_filename(audit)}.pdf", render(build_report(audit), "pdf"))
    if not w.files:
        w.note(_("No internal audit report was issued on or before %s.") % as_of.date.isoformat())


@register("09-management-review", "Management review minutes (9.3)")
def reviews_part(organization: Any, as_of: AsOf, w: FolderWriter) -> None:
    try:
        from openisms.reviews.choices import ReviewStatus
        from openisms.reviews.models import ManagementReview
        from openisms.reviews.report import minutes_report
    except ImportError as exc:
        raise _unavailable(_("the management review minutes"), exc) from exc
    reviews = (
        scoped(ManagementReview, organization)
        .filter(status__in=(ReviewStatus.HELD, ReviewStatus.CLOSED), held_on__lte=as_of.date)
        .order_by("held_on", "ref")
    )
    for review in reviews:
        w.add_bytes(f"{review.ref}-minutes.pdf", render(minutes_report(review), "pdf"))
        if review.status != ReviewStatus.CLOSED:
            w.note(_("%s: the minutes are not approved yet (marked as draft).") % review.ref)
    if not w.files:
        w.note(_("No management review was held on or before %s.") % as_of.date.isoformat())


@register("10-readiness", "Certification readiness report")
def readiness_part(organization: Any, as_of: AsOf, w: FolderWriter) -> None:
    try:
        from openisms.readiness.engine import evaluate
        from openisms.readiness.report import readiness_report
    except ImportError as exc:
        raise _unavailable(_("the readiness report"), exc) from exc
    w.add_bytes("readiness-report.pdf", render(readiness_report(evaluate(organization)), "pdf"))
    if not as_of.is_today:
        w.note(_("The readiness report evaluates the registers as at generation time."))
