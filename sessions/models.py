from django.db import models
from django.db.models import F, Q
from django.db.models.signals import m2m_changed
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ctn import french
from participants.models import Attendance
from sessions.freeze import (  # noqa: F401 - SessionFrozen is part of this module's API
    FreezeGuardedModel,
    FreezeGuardedQuerySet,
    SessionFrozen,
    SessionGuardedQuerySet,
    refuse_rapporteurs_change_on_frozen_session,
)


class Committee(models.Model):
    class Cadence(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        HALF_YEARLY = "half_yearly", _("Half-yearly")
        YEARLY = "yearly", _("Yearly")

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=20)
    programme = models.CharField(_("programme"), max_length=255, blank=True)
    letterhead = models.TextField(
        _("letterhead"),
        blank=True,
        help_text=_("The ministry chain printed on the left of the letterhead, one line each."),
    )
    cadence = models.CharField(
        _("cadence"), max_length=20, choices=Cadence.choices, default=Cadence.QUARTERLY
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        constraints = [
            models.UniqueConstraint(
                fields=["acronym"],
                name="committee_acronym_unique",
                violation_error_message=_("A committee with this acronym already exists."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})"

    @property
    def letterhead_lines(self):
        return [line.strip() for line in self.letterhead.splitlines() if line.strip()]


class SessionQuerySet(SessionGuardedQuerySet):
    def validated(self):
        """Sessions whose minutes are validated: the official record."""
        return self.filter(minutes__status="validated")

    def visible_to(self, user):
        """Editors see every session; everyone else (partners) only validated minutes."""
        from ctn.roles import can_edit

        return self if can_edit(user) else self.validated()

    def with_sections(self):
        """Everything the session page and the minutes print, in a fixed number of queries."""
        return self.select_related("committee").prefetch_related(
            "rapporteurs__organization",
            models.Prefetch("cochairs", CoChair.objects.select_related("person__organization")),
            models.Prefetch(
                "agenda_items", AgendaItem.objects.select_related("presenter__organization")
            ),
            models.Prefetch(
                "interventions",
                Intervention.objects.select_related("speaker__organization", "agenda_item"),
            ),
            "expected_results",
            models.Prefetch(
                "recommendations", Recommendation.objects.select_related("responsible")
            ),
            models.Prefetch(
                "attendances",
                Attendance.objects.select_related("person__organization"),
            ),
        )


class Session(FreezeGuardedModel, models.Model):
    class Kind(models.TextChoices):
        ORDINARY = "ordinary", pgettext_lazy("session kind", "ordinary")
        EXTRAORDINARY = "extraordinary", pgettext_lazy("session kind", "extraordinary")

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("session status", "planned")
        HELD = "held", pgettext_lazy("session status", "held")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="sessions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ORDINARY)
    number = models.PositiveIntegerField(_("number"))
    rapporteurs = models.ManyToManyField(
        "participants.Person",
        verbose_name=_("rapporteurs"),
        related_name="reported_sessions",
        blank=True,
        help_text=_("The people who write the minutes."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    city = models.CharField(_("city"), max_length=100)
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    objective = models.TextField(_("objective"), blank=True)
    opening_summary = models.TextField(_("opening ceremony"), blank=True)
    closing_summary = models.TextField(_("closing ceremony"), blank=True)
    highlights = models.TextField(_("highlights"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-number"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "kind", "number"],
                name="session_number_unique_per_committee_and_kind",
                violation_error_message=_(
                    "This committee already has a session of this kind with this number."
                ),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="session_end_not_before_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="session_number_positive",
                violation_error_message=_("The number must be at least 1."),
            ),
        ]
        indexes = [models.Index(fields=["committee", "start_date"])]

    def __str__(self):
        return _("%(ordinal)s %(kind)s session") % {
            "ordinal": french.ordinal(self.number),
            "kind": self.get_kind_display(),
        }

    def get_absolute_url(self):
        return reverse("sessions:detail", args=[self.pk])

    @property
    def title(self):
        """ "Compte rendu de la 18ème session ordinaire du Comité Technique National"."""
        return _("Minutes of the %(session)s of the %(committee)s") % {
            "session": self,
            "committee": self.committee.name,
        }

    @property
    def is_frozen(self):
        """True once the minutes are validated; an erratum reopens a new draft version."""
        try:
            minutes = self.minutes
        except models.ObjectDoesNotExist:
            return False
        return minutes.status == "validated"

    def ensure_editable(self):
        if self.is_frozen:
            raise SessionFrozen(self)

    @property
    def date_span(self):
        return french.date_span(self.start_date, self.end_date)

    @property
    def day_count(self):
        return (self.end_date - self.start_date).days + 1

    @property
    def results_assessment(self):
        """The overall assessment derived from the expected results ("atteints dans l'ensemble")."""
        return ExpectedResult.assess([result.status for result in self.expected_results.all()])


class CoChair(FreezeGuardedModel, models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="cochairs"
    )
    person = models.ForeignKey(
        "participants.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="cochairs",
    )
    capacity = models.CharField(
        _("capacity"),
        max_length=255,
        blank=True,
        help_text=_("How they sat, for example the title of their office."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = FreezeGuardedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("co-chair")
        verbose_name_plural = _("co-chairs")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                name="cochair_once_per_session",
                violation_error_message=_("This person is already a co-chair of this session."),
            ),
        ]

    def __str__(self):
        return f"{self.person} ({self.capacity})" if self.capacity else str(self.person)


class AgendaItem(FreezeGuardedModel, models.Model):
    class Kind(models.TextChoices):
        PRESENTATION = "presentation", pgettext_lazy("agenda item", "presentation")
        INFORMATION = "information", pgettext_lazy("agenda item", "information")
        VALIDATION = "validation", pgettext_lazy("agenda item", "validation")
        DECISION = "decision", pgettext_lazy("agenda item", "decision")
        OTHER = "other", pgettext_lazy("agenda item", "other")

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=500)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.PRESENTATION
    )
    presenter = models.ForeignKey(
        "participants.Person",
        verbose_name=_("presenter"),
        on_delete=models.PROTECT,
        related_name="presented_items",
        null=True,
        blank=True,
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("What was said and decided."))

    objects = FreezeGuardedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self):
        return self.title


class Intervention(FreezeGuardedModel, models.Model):
    class Moment(models.TextChoices):
        OPENING = "opening", pgettext_lazy("moment", "opening")
        AGENDA = "agenda", pgettext_lazy("moment", "agenda")
        CLOSING = "closing", pgettext_lazy("moment", "closing")

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="interventions"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.SET_NULL,
        related_name="interventions",
        null=True,
        blank=True,
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    moment = models.CharField(
        _("moment"), max_length=20, choices=Moment.choices, default=Moment.AGENDA
    )
    speaker = models.ForeignKey(
        "participants.Person",
        verbose_name=_("speaker"),
        on_delete=models.PROTECT,
        related_name="interventions",
        null=True,
        blank=True,
    )
    speaker_label = models.CharField(
        _("speaker (free text)"),
        max_length=255,
        blank=True,
        help_text=_("When the speaker has no person record, e.g. the governor's representative."),
    )
    summary = models.TextField(_("summary"), blank=True)
    quote = models.TextField(_("quote"), blank=True, help_text=_("Verbatim words, if any."))

    objects = FreezeGuardedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")

    def __str__(self):
        return self.speaker_name

    @property
    def speaker_name(self):
        if self.speaker_id:
            return self.speaker.formal_name
        return self.speaker_label


class ExpectedResult(FreezeGuardedModel, models.Model):
    class Status(models.TextChoices):
        ACHIEVED = "achieved", pgettext_lazy("result", "achieved")
        PARTIAL = "partial", pgettext_lazy("result", "partially achieved")
        NOT_ACHIEVED = "not_achieved", pgettext_lazy("result", "not achieved")
        PENDING = "pending", pgettext_lazy("result", "pending")

    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="expected_results",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    comment = models.TextField(_("comment"), blank=True)

    objects = FreezeGuardedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("expected result")
        verbose_name_plural = _("expected results")

    def __str__(self):
        return self.description

    @classmethod
    def assess(cls, statuses):
        """The committee's overall phrase for a list of result statuses."""
        statuses = list(statuses)
        if not statuses:
            return ""
        if cls.Status.PENDING in statuses:
            return _("assessment pending")
        achieved = statuses.count(cls.Status.ACHIEVED)
        score = achieved + 0.5 * statuses.count(cls.Status.PARTIAL)
        if score >= len(statuses) / 2:
            return _("achieved on the whole")
        if score > 0:
            return _("partly achieved")
        return _("not achieved")


class Recommendation(FreezeGuardedModel, models.Model):
    class Kind(models.TextChoices):
        RECOMMENDATION = "recommendation", pgettext_lazy("recommendation kind", "recommendation")
        BLOCKER = "blocker", pgettext_lazy("recommendation kind", "blocker with solution")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("recommendation", "open")
        IN_PROGRESS = "in_progress", pgettext_lazy("recommendation", "in progress")
        DONE = "done", pgettext_lazy("recommendation", "done")
        DROPPED = "dropped", pgettext_lazy("recommendation", "dropped")

    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.RECOMMENDATION
    )
    text = models.TextField(_("text"), help_text=_("The recommendation, or the blocker raised."))
    solution = models.TextField(_("solution"), blank=True, help_text=_("For a blocker."))
    responsible = models.ForeignKey(
        "participants.Organization",
        verbose_name=_("responsible organization"),
        on_delete=models.PROTECT,
        related_name="recommendations",
        null=True,
        blank=True,
    )
    responsible_label = models.CharField(_("responsible (free text)"), max_length=255, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )

    # The follow-up status is updated by later sessions; the text stays frozen.
    freeze_exempt_fields = ("status",)

    objects = FreezeGuardedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")

    def __str__(self):
        return self.text

    @property
    def responsible_name(self):
        parts = [str(self.responsible) if self.responsible_id else "", self.responsible_label]
        return " – ".join(part for part in parts if part)

    def set_follow_up_status(self, status):
        """The one path that changes a recommendation of a frozen session: its follow-up status."""
        self.status = status
        self.save(update_fields=["status"])


m2m_changed.connect(
    refuse_rapporteurs_change_on_frozen_session,
    sender=Session.rapporteurs.through,
    dispatch_uid="refuse_rapporteurs_change_on_frozen_session",
)
