from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Minutes(models.Model):
    """The compte rendu of one session and its workflow state (see reports/services.py)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("minutes status", "draft")
        SUBMITTED = "submitted", pgettext_lazy("minutes status", "submitted")
        VALIDATED = "validated", pgettext_lazy("minutes status", "validated")

    session = models.OneToOneField(
        "ctn_sessions.Session",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="minutes",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self):
        return _("Minutes of the %(session)s") % {"session": self.session}
