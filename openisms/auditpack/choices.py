from django.db import models
from django.utils.translation import gettext_lazy as _


class PackStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being built")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


# Still being worked on: the list page polls these.
IN_PROGRESS = (PackStatus.QUEUED, PackStatus.RUNNING)
