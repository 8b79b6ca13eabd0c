import base64
import logging
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePath
from typing import NamedTuple

import pgtrigger
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce, ExtractQuarter, ExtractYear, RowNumber
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename, slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from ctn import french
from ctn.freeze import (  # noqa: F401 - SessionFrozen is part of this module's API
    FROZEN_MINUTES_STATUS,
    SUBMITTED_MINUTES_STATUS,
    FreezeGuardedModel,
    FreezeGuardedQuerySet,
    SessionFrozen,
    SessionGuardedQuerySet,
    SessionSubmitted,
    freeze_triggers,
    frozen_session_ids,
    refuse_rapporteurs_change_on_frozen_session,
)
from ctn.history import HistoryQuerySet
from participants.models import Attendance, Organization, Person

logger = logging.getLogger(__name__)

# The image types a committee's logo may have (what Pillow reads them as, and their MIME type).
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def committee_logo_upload_to(committee, filename):
    """committees/<random>.<ext>: the stored name never comes from the uploader."""
    extension = PurePath(filename).suffix.lower()
    return f"committees/{uuid.uuid4().hex}{extension}"


class Committee(models.Model):
    class Cadence(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        HALF_YEARLY = "half_yearly", _("Half-yearly")
        YEARLY = "yearly", _("Yearly")

    class LetterheadLayout(models.TextChoices):
        SIDES = (
            "sides",
            _("the authority on the left (under the logo), the State and its motto on the right"),
        )
        CENTRED = "centred", _("centred: the logo, the State and its motto, then the authority")
        LOGO_LEFT = "logo_left", _("the logo on the left, the authority and the State beside it")

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
    logo = models.ImageField(
        _("logo"),
        upload_to=committee_logo_upload_to,
        max_length=255,
        blank=True,
        help_text=_("Printed in the letterhead of its documents (PNG or JPEG)."),
    )
    letterhead_layout = models.CharField(
        _("layout of the letterhead"),
        max_length=20,
        choices=LetterheadLayout.choices,
        default=LetterheadLayout.SIDES,
    )
    # The names under which the minutes count those present, by kind of organization
    # ({"tfp": "Partenaires"}); a kind left out keeps its own name. Several kinds may share one.
    participant_categories = models.JSONField(_("participant categories"), default=dict, blank=True)
    # The committee's form: what its documents say and how (the defaults are the CTN's).
    article = models.CharField(
        _("article"),
        max_length=2,
        choices=french.Article.choices,
        default=french.Article.LE,
        help_text=_("For French grammar: le Comité, la Commission, l'Assemblée."),
    )
    state = models.CharField(_("state"), max_length=100, default="RÉPUBLIQUE DU MALI", blank=True)
    motto = models.CharField(
        _("motto"), max_length=200, default="Un Peuple – Un But – Une Foi", blank=True
    )
    presidency = models.CharField(
        _("presidency"),
        max_length=20,
        choices=french.Presidency.choices,
        default=french.Presidency.COCHAIRS,
    )
    numbering = models.CharField(
        _("numbering of the sessions"),
        max_length=20,
        choices=french.Numbering.choices,
        default=french.Numbering.CONTINUOUS,
    )
    document_title = models.CharField(
        _("title of the document"),
        max_length=20,
        choices=french.DocumentTitle.choices,
        default=french.DocumentTitle.MINUTES,
    )
    meeting_noun = models.CharField(
        _("the meetings are called"),
        max_length=20,
        choices=french.MeetingNoun.choices,
        default=french.MeetingNoun.SESSION,
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

    @property
    def named(self):
        """ "le Comité Technique National", "la Commission …", "l'Assemblée …"."""
        return french.with_article(self.name, self.article)

    @property
    def of_named(self):
        """ "du Comité Technique National", "de la Commission …", "de l'Assemblée …"."""
        return french.with_article(self.name, self.article, of=True)

    @property
    def is_feminine(self):
        return self.article in (french.Article.LA, french.Article.L_FEMININE)

    def designation(self, session):
        """How the documents name one of its sessions: "18ème session ordinaire", "1ère
        session ordinaire de l'année 2024", "réunion du 12 mars 2015"."""
        return french.designation(
            number=session.number,
            kind=session.kind,
            noun=self.meeting_noun,
            numbering=self.numbering,
            start_date=session.start_date,
        )

    @property
    def numbering_counts(self):
        """False for a committee whose meetings are not numbered (named by their date)."""
        return self.numbering != french.Numbering.NONE

    def participant_category(self, organization_kind):
        """The category under which the minutes count a participant of an organization of this
        kind (Organization.Kind): the committee's name for it, else the kind's own."""
        kind = organization_kind or Organization.Kind.OTHER
        custom = (self.participant_categories or {}).get(kind, "").strip()
        return custom or str(Organization.Kind(kind).label)

    @cached_property
    def logo_data_uri(self):
        """The logo as a data: URI read from the storage (the PDFs embed it: nothing is
        fetched), or "" without a logo. A logo gone from the storage is left out, logged."""
        if not self.logo:
            return ""
        try:
            with self.logo.storage.open(self.logo.name, "rb") as file:
                data = file.read()
        except OSError:
            logger.error("The logo of the committee %s is missing: %s", self.pk, self.logo.name)
            return ""
        content_type = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
        return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"

    def short_designation(self, session):
        """A session in a table's column heading: "18ème", "1ère (2024)" for a committee
        numbering per year, "12/03/2015" for an unnumbered meeting."""
        if not self.numbering_counts:
            return session.start_date.strftime("%d/%m/%Y")
        if self.numbering == french.Numbering.YEARLY:
            return f"{french.ordinal(session.number)} ({session.start_date.year})"
        return french.ordinal(session.number)

    def document_title_of(self, session):
        """The title of a session's document, on its first page and on the screens: "Compte
        rendu de la 18ème session ordinaire du Comité Technique National", "Procès-verbal de
        la 1ère session ordinaire de l’année 2024 du Comité de Pilotage", "Compte rendu de la
        réunion du 12 mars 2015 du Bureau du Comité" (the committee's words, in French; in
        English for the interface in English)."""
        return french.document_title(
            self.document_title, self.designation(session), self.name, self.of_named
        )

    def numbering_year_of(self, start_date):
        """The year a session starting on `start_date` is numbered in: its own for a committee
        numbering per year, 0 (the committee's life) otherwise."""
        return start_date.year if self.numbering == french.Numbering.YEARLY else 0

    def next_number(self, kind):
        """The next free number of a `kind` of session: an unnumbered committee's meetings
        keep one internally, never printed, for their order and uniqueness."""
        highest = self.sessions.filter(kind=kind).aggregate(highest=models.Max("number"))
        return (highest["highest"] or 0) + 1

    def has_validated_minutes(self):
        """True when a session of the committee has a validated version of its minutes: a
        document of record names the session as the numbering did then."""
        return self.sessions.filter(minutes__versions__validated_at__isnull=False).exists()

    def renumber_sessions(self):
        """After a change of numbering: the year each session's number counts in follows.
        Raises IntegrityError when two sessions would then share a number."""
        sessions = Session._base_manager.filter(committee=self)
        if self.numbering == french.Numbering.YEARLY:
            return sessions.update(numbering_year=ExtractYear("start_date"))
        return sessions.update(numbering_year=0)

    renumber_sessions.alters_data = True

    @property
    def letterhead_chain(self):
        """The authority's lines then the programme, unless a line already names it."""
        lines = self.letterhead_lines
        programme = self.programme.strip()
        if programme and programme.casefold() not in (line.casefold() for line in lines):
            lines.append(programme)
        return lines


class TagQuerySet(HistoryQuerySet):
    def delete(self):
        with transaction.atomic(using=self.db):
            for tag in self:
                tag.ensure_deletable()
            return super().delete()

    delete.alters_data = True
    delete.queryset_only = True

    def by_holders(self, *relations, **filters):
        """{relation: {holder pk: [tags]}} for the agenda items and recommendations
        (`relations`) matching `filters`, in the tags' order: one query for all of them, where
        a prefetch filters one queryset per holder."""
        parts = [
            self.filter(**{f"{relation}__{name}": value for name, value in filters.items()})
            .annotate(holder_kind=Value(relation, models.CharField()), holder_pk=F(relation))
            .order_by()
            for relation in relations
        ]
        held = {relation: {} for relation in relations}
        for tag in parts[0].union(*parts[1:], all=True).order_by("kind", "name"):
            held[tag.holder_kind].setdefault(tag.holder_pk, []).append(tag)
        return held


class Tag(models.Model):
    """A label across sessions: a programme component, a financing or a partner.

    Managed by the secretariat; agenda items and recommendations carry them, so the committee
    can follow one subject from session to session.
    """

    class Kind(models.TextChoices):
        COMPONENT = "component", pgettext_lazy("tag kind", "component")
        FINANCING = "financing", pgettext_lazy("tag kind", "financing")
        PARTNER = "partner", pgettext_lazy("tag kind", "partner")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("short name"),
        max_length=100,
        blank=True,
        help_text=_("Used in addresses; made from the name when left empty."),
    )

    objects = TagQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "slug"],
                name="tag_slug_unique_per_kind",
                violation_error_message=_("A tag of this kind already has this short name."),
            ),
            models.UniqueConstraint(
                fields=["kind", "name"],
                name="tag_name_unique_per_kind",
                violation_error_message=_("A tag of this kind already has this name."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["component", "financing", "partner"]),
                name="tag_kind_valid",
                violation_error_message=_("Choose a kind of tag from the list."),
            ),
            models.CheckConstraint(
                condition=~Q(slug="") & ~Q(name=""),
                name="tag_name_and_slug_not_empty",
                violation_error_message=_("A tag needs a name."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} : {self.name}"

    def save(self, *args, **kwargs):
        # The short name follows from the name unless given (forms fill it in clean()).
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        return super().save(*args, **kwargs)

    save.alters_data = True

    def get_absolute_url(self):
        return reverse("sessions:tag_edit", args=[self.pk])

    def clean(self):
        super().clean()
        self.name = " ".join(self.name.split())
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        if not self.slug:
            raise ValidationError(
                {"name": _("The name must hold at least one letter or digit.")},
                code="tag_without_slug",
            )

    def ensure_deletable(self):
        """A tag carried by an item of a frozen session is part of the record: kept. Inside a
        transaction, the sessions it tags stay locked until it ends (ctn/freeze.py)."""
        session_ids = set(self.agenda_items.values_list("session_id", flat=True)) | set(
            self.recommendations.values_list("session_id", flat=True)
        )
        if frozen_session_ids(session_ids, lock=connection.in_atomic_block):
            raise SessionFrozen()

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            self.ensure_deletable()
            return super().delete(*args, **kwargs)

    delete.alters_data = True


class SessionQuerySet(SessionGuardedQuerySet):
    def validated(self):
        """Sessions whose minutes are validated: the official record."""
        return self.filter(minutes__status=FROZEN_MINUTES_STATUS)

    def visible_to(self, user):
        """What a partner may see of a session's live content (its page, lists, exports,
        search, calendar): only while its minutes are validated. Editors see every session."""
        from ctn.roles import can_edit

        return self if can_edit(user) else self.validated()

    def ordinary_quarters(self):
        """Ordinary sessions counted per committee, year and quarter, in the database:
        rows {committee_id, year, quarter, held, planned}."""
        return (
            self.filter(kind=Session.Kind.ORDINARY)
            .annotate(year=ExtractYear("start_date"), quarter=ExtractQuarter("start_date"))
            .values("committee_id", "year", "quarter")
            .annotate(
                held=Count("pk", filter=Q(status=Session.Status.HELD)),
                planned=Count("pk", filter=Q(status=Session.Status.PLANNED)),
            )
            .order_by("committee_id", "year", "quarter")
        )

    def latest_held(self, count=4):
        """The last `count` held sessions of each committee (one query, a window function)."""
        return (
            self.filter(status=Session.Status.HELD)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=F("committee_id"),
                    order_by=[F("start_date").desc(), F("number").desc()],
                )
            )
            .filter(rank__lte=count)
            .order_by("committee_id", "start_date", "number")
        )

    def with_sections(self):
        """Everything the session page and the minutes print, in a fixed number of queries."""
        return self.select_related("committee").prefetch_related(
            models.Prefetch("rapporteurs", Person.objects.select_related("organization")),
            models.Prefetch("cochairs", CoChair.objects.select_related("person__organization")),
            models.Prefetch(
                "agenda_items", AgendaItem.objects.select_related("presenter__organization")
            ),
            models.Prefetch(
                "interventions",
                Intervention.objects.select_related("speaker__organization"),
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


class AgendaEntry(NamedTuple):
    item: object
    interventions: list


@dataclass(frozen=True)
class Proceedings:
    """A session's interventions in the order of the day."""

    opening: list
    agenda: list  # of AgendaEntry: each item with its exchanges
    unplaced: list  # exchanges on no item
    closing: list


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
    # What the convocation prints beyond the session itself (reports/pdf.py).
    start_time = models.TimeField(
        _("start time"), null=True, blank=True, help_text=_("The time of the opening, on day 1.")
    )
    convocation_reference = models.CharField(
        _("reference of the convocation"),
        max_length=100,
        blank=True,
        help_text=_("The letter's number, for example N° 0125/MSDS-UTGFS."),
    )
    convocation_place = models.CharField(
        _("convocation issued at"),
        max_length=100,
        blank=True,
        help_text=_("The city it is sent from; the session's city when left empty."),
    )
    convocation_date = models.DateField(
        _("convocation dated"),
        null=True,
        blank=True,
        help_text=_("The date of the letter; the day it is printed when left empty."),
    )
    practical_details = models.TextField(
        _("practical details"),
        blank=True,
        help_text=_("Travel, accommodation, documents to bring, contact."),
    )
    # Optimistic lock of the session and of its sections: every save through the screens
    # checks and bumps it in one UPDATE (sessions/locking.py), so a concurrent edit is refused.
    edit_count = models.PositiveIntegerField(_("edit count"), default=1, editable=False)
    # The year its number counts in: that of its start for a committee that numbers per year,
    # 0 otherwise (numbered once for the committee's life). Derived, kept by save() and by the
    # committee's numbering (Committee.renumber_sessions): the database holds the uniqueness.
    numbering_year = models.PositiveSmallIntegerField(
        _("year of the numbering"), default=0, editable=False
    )

    objects = SessionQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["edit_count", "numbering_year"], m2m_fields=[rapporteurs]
    )

    class Meta:
        ordering = ["-start_date", "-number"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "kind", "number", "numbering_year"],
                name="session_number_unique_per_committee_kind_and_year",
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
        indexes = [
            models.Index(fields=["committee", "start_date"]),
            # The search reads sessions latest first, then each one's matching rows (0015).
            models.Index(fields=["-start_date", "-number"], name="session_latest_first"),
        ]
        triggers = freeze_triggers("id")

    def __str__(self):
        """As the committee's documents name it: "18ème session ordinaire", "1ère session
        ordinaire de l’année 2024", "réunion du 12 mars 2015" (Committee.designation)."""
        if self.committee_id is None or self.start_date is None:
            return _("%(ordinal)s %(kind)s session") % {
                "ordinal": french.ordinal(self.number or 0),
                "kind": self.get_kind_display(),
            }
        return self.committee.designation(self)

    def save(self, *args, **kwargs):
        # The derived year of the numbering follows the start date (and the committee).
        self.numbering_year = self.committee.numbering_year_of(self.start_date)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "start_date" in update_fields:
            kwargs["update_fields"] = {*update_fields, "numbering_year"}
        return super().save(*args, **kwargs)

    save.alters_data = True

    def get_absolute_url(self):
        return reverse("sessions:detail", args=[self.pk])

    def clean(self):
        super().clean()
        clash = self.number_clash()
        if clash:
            raise ValidationError({"number": clash}, code="number_clash")

    def number_clash(self):
        """The French refusal of this session's number when another session of its committee
        already has it (for life, or in the year for a committee numbering per year), else
        None. The unique constraint has the last word."""
        if not (self.committee_id and self.number and self.kind and self.start_date):
            return None
        clash = (
            Session._base_manager.filter(
                committee_id=self.committee_id,
                kind=self.kind,
                number=self.number,
                numbering_year=self.committee.numbering_year_of(self.start_date),
            )
            .exclude(pk=self.pk)
            .exists()
        )
        if not clash:
            return None
        return _("The committee already has a %(session)s.") % {
            "session": self.committee.designation(self)
        }

    def proceedings(self):
        """The one shape of the session's proceedings, for its page and its minutes' PDF: its
        moment places an intervention; one of the agenda goes under its item, if it has one.
        Reads the prefetched interventions and agenda items (with_sections())."""
        opening, closing, by_item = [], [], {}
        for intervention in self.interventions.all():
            if intervention.moment == Intervention.Moment.OPENING:
                opening.append(intervention)
            elif intervention.moment == Intervention.Moment.CLOSING:
                closing.append(intervention)
            else:
                by_item.setdefault(intervention.agenda_item_id, []).append(intervention)
        return Proceedings(
            opening=opening,
            agenda=[
                AgendaEntry(item, by_item.get(item.pk, [])) for item in self.agenda_items.all()
            ],
            unplaced=by_item.get(None, []),
            closing=closing,
        )

    @property
    def title(self):
        """ "Compte rendu de la 18ème session ordinaire du Comité Technique National", as the
        PDF's title writes it (Committee.document_title_of)."""
        return self.committee.document_title_of(self)

    @property
    def is_frozen(self):
        """True once the minutes are validated; an erratum reopens a new draft version."""
        try:
            minutes = self.minutes
        except models.ObjectDoesNotExist:
            return False
        return minutes.status == "validated"

    @property
    def edit_refusal(self):
        """Why the session cannot be edited now (its minutes validated or submitted), or None:
        SessionFrozen or SessionSubmitted, as last read; writes check again under the lock
        (sessions/locking.py)."""
        try:
            status = self.minutes.status
        except models.ObjectDoesNotExist:
            return None
        if status == FROZEN_MINUTES_STATUS:
            return SessionFrozen(self)
        if status == SUBMITTED_MINUTES_STATUS:
            return SessionSubmitted(self)
        return None

    def ensure_editable(self):
        refusal = self.edit_refusal
        if refusal is not None:
            raise refusal

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
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("co-chair")
        verbose_name_plural = _("co-chairs")
        triggers = freeze_triggers()
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
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), related_name="agenda_items", blank=True
    )

    objects = FreezeGuardedQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[tags])

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        triggers = freeze_triggers()

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
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        triggers = freeze_triggers()

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
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("expected result")
        verbose_name_plural = _("expected results")
        triggers = freeze_triggers()

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


class RecommendationQuerySet(FreezeGuardedQuerySet):
    def with_current_status(self, *, validated_only=False):
        """Annotate each recommendation with its latest follow-up (by session date).

        `current_status_value` is the latest follow-up's status, else the recommendation's own;
        `latest_follow_up_note` and `latest_follow_up_session_id` say what and where.
        validated_only: count only the follow-ups of sessions whose minutes are validated
        (what partners may see). Read through the pointers the write path keeps
        (`refresh_follow_ups`): one join, whatever the history.
        """
        pointer = "published_follow_up" if validated_only else "current_follow_up"
        return self.alias(latest_follow_up_status=F(f"{pointer}__status")).annotate(
            current_status_value=Coalesce(F(f"{pointer}__status"), F("status")),
            latest_follow_up_note=F(f"{pointer}__note"),
            latest_follow_up_session_id=F(f"{pointer}__session_id"),
        )

    def current_status_in(self, statuses):
        """Filter `with_current_status()` on its current status, written on plain columns: the
        planner misjudges a COALESCE (1% of rows) and joined row by row where 2/3 match."""
        return self.filter(
            Q(latest_follow_up_status__isnull=True, status__in=statuses)
            | Q(latest_follow_up_status__in=statuses)
        )

    def refresh_follow_ups(self):
        """Point each recommendation of this queryset at its latest follow-up, and at its latest
        follow-up at a session whose minutes are validated. Called by every write that can
        change them: a follow-up saved or deleted, minutes validated or reopened."""
        follow_ups = FollowUp.objects.filter(recommendation=OuterRef("pk")).order_by(
            "-session__start_date", "-session__number", "-pk"
        )
        published = follow_ups.filter(session__minutes__status=FROZEN_MINUTES_STATUS)
        # Derived columns, exempt from the freeze and the audit trail: a plain UPDATE.
        return Recommendation._base_manager.filter(
            pk__in=list(self.values_list("pk", flat=True))
        ).update(
            current_follow_up=Subquery(follow_ups.values("pk")[:1]),
            published_follow_up=Subquery(published.values("pk")[:1]),
        )

    refresh_follow_ups.alters_data = True

    def to_follow_up_at(self, session):
        """What the follow-up screen of `session` lists: the recommendations of the earlier
        sessions of its committee that were still open before it (by their latest follow-up
        at an earlier session, else their own status), and those already followed up at it.

        Annotated with `status_before` (that status before the session).
        """
        earlier = FollowUp.objects.filter(
            recommendation=OuterRef("pk"), session__start_date__lt=session.start_date
        ).order_by("-session__start_date", "-session__number", "-pk")
        here = FollowUp.objects.filter(recommendation=OuterRef("pk"), session=session)
        return (
            self.filter(
                session__committee_id=session.committee_id,
                session__start_date__lt=session.start_date,
            )
            .annotate(status_before=Coalesce(Subquery(earlier.values("status")[:1]), F("status")))
            .filter(Q(status_before__in=Recommendation.OPEN_STATUSES) | Exists(here))
            .select_related("session__committee", "responsible")
            .order_by("session__start_date", "session__number", "order", "pk")
        )

    def visible_to(self, user):
        """Editors see every recommendation; partners only those of validated minutes, with
        the follow-ups of validated minutes."""
        from ctn.roles import can_edit

        if can_edit(user):
            return self.with_current_status()
        return self.filter(session__minutes__status=FROZEN_MINUTES_STATUS).with_current_status(
            validated_only=True
        )


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
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), related_name="recommendations", blank=True
    )
    # Derived from the follow-ups (RecommendationQuerySet.refresh_follow_ups): the latest one,
    # and the latest one at a session whose minutes are validated (what partners see).
    current_follow_up = models.ForeignKey(
        "FollowUp",
        verbose_name=_("latest follow-up"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    published_follow_up = models.ForeignKey(
        "FollowUp",
        verbose_name=_("latest validated follow-up"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    # The follow-up status is updated by later sessions; the text stays frozen.
    freeze_exempt_fields = ("status", "current_follow_up", "published_follow_up")

    objects = RecommendationQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[tags], excluded_fields=["current_follow_up", "published_follow_up"]
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        # The dashboard's overdue list and the recommendations' filters read by due date.
        indexes = [models.Index(fields=["due_date"], name="recommendation_due_date")]
        triggers = freeze_triggers(
            exempt_columns=["status", "current_follow_up_id", "published_follow_up_id"]
        )

    def __str__(self):
        return self.text

    @property
    def responsible_name(self):
        return self.name_responsible(
            str(self.responsible) if self.responsible_id else "", self.responsible_label
        )

    @staticmethod
    def name_responsible(organization, label):
        """The responsible as a list shows it: the organization (its acronym), the free text,
        or both."""
        return " – ".join(part for part in (organization, label) if part)

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    @property
    def current_status(self):
        """The status given by its latest follow-up, else its own (annotated by
        `with_current_status()` on lists, asked of the database otherwise)."""
        value = getattr(self, "current_status_value", None)
        if value is None:
            latest = self.latest_follow_up
            value = latest.status if latest else self.status
        return value

    @property
    def latest_follow_up(self):
        return (
            self.follow_ups.select_related("session")
            .order_by("-session__start_date", "-session__number", "-pk")
            .first()
        )

    @property
    def is_followed_up(self):
        if hasattr(self, "latest_follow_up_session_id"):
            return self.latest_follow_up_session_id is not None
        return self.follow_ups.exists()

    def get_current_status_display(self):
        return self.status_display(self.current_status, followed_up=self.is_followed_up)

    @classmethod
    def status_display(cls, status, *, followed_up):
        """A current status in words: a follow-up's words once followed up, else its own."""
        if followed_up:
            return FollowUp.Status(status).label
        return cls.Status(status).label

    @property
    def is_open(self):
        return self.current_status in self.OPEN_STATUSES

    @property
    def is_overdue(self):
        return bool(self.is_open and self.due_date and self.due_date < timezone.localdate())

    def set_follow_up_status(self, status):
        """The one path that changes a recommendation of a frozen session: its follow-up status."""
        self.status = status
        self.save(update_fields=["status"])


class FollowUpQuerySet(FreezeGuardedQuerySet):
    def _refresh_recommendations(self, recommendation_ids):
        Recommendation.objects.filter(pk__in=recommendation_ids).refresh_follow_ups()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        FollowUp.check_order_of_many(objs)
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            self._refresh_recommendations({obj.recommendation_id for obj in objs})
        return created

    bulk_create.alters_data = True

    def update(self, **kwargs):
        with transaction.atomic(using=self.db):
            ids = set(self.values_list("recommendation_id", flat=True))
            count = super().update(**kwargs)
            self._refresh_recommendations(ids)
        return count

    update.alters_data = True


class FollowUp(FreezeGuardedModel, models.Model):
    """What a later session says of an earlier recommendation: its status then, and a note.

    It belongs to the reviewing session (frozen with that session's minutes) and never changes
    the recommendation itself, whose text stays frozen with its own validated minutes.
    """

    # The recommendation's statuses, in the committee's words for a follow-up.
    class Status(models.TextChoices):
        DONE = "done", pgettext_lazy("follow-up", "done")
        IN_PROGRESS = "in_progress", pgettext_lazy("follow-up", "in progress")
        OPEN = "open", pgettext_lazy("follow-up", "not done")
        DROPPED = "dropped", pgettext_lazy("follow-up", "dropped")

    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommendation"),
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="follow_ups",
        help_text=_("The later session at which the recommendation was reviewed."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    note = models.TextField(_("note"), blank=True)

    objects = FollowUpQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("follow-up of a recommendation")
        verbose_name_plural = _("follow-ups of recommendations")
        triggers = freeze_triggers()
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "session"],
                name="followup_once_per_session",
                violation_error_message=_(
                    "This recommendation is already followed up at this session."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["done", "in_progress", "open", "dropped"]),
                name="followup_status_valid",
                violation_error_message=_("Choose a status from the list."),
            ),
        ]

    def __str__(self):
        return f"{self.recommendation} – {self.get_status_display()}"

    def save(self, *args, **kwargs):
        self.check_order()
        return super().save(*args, **kwargs)

    save.alters_data = True

    NOT_LATER = _(
        "A recommendation can only be followed up at a session later than the one that made it."
    )
    OTHER_COMMITTEE = _("A recommendation is followed up at a session of its own committee.")

    @classmethod
    def order_error(cls, recommendation_session, session):
        """The refusal for following up at `session` a recommendation of
        `recommendation_session` (both with committee_id and start_date), or None."""
        if recommendation_session.committee_id != session.committee_id:
            return cls.OTHER_COMMITTEE
        if session.start_date <= recommendation_session.start_date:
            return cls.NOT_LATER
        return None

    def check_order(self):
        if self.recommendation_id is None or self.session_id is None:
            return
        error = self.order_error(self.recommendation.session, self.session)
        if error:
            raise ValidationError({"recommendation": error}, code="follow_up_order")

    @classmethod
    def check_order_of_many(cls, follow_ups):
        """check_order() for a bulk of new rows, in two queries."""
        if not follow_ups:
            return
        sessions = Session._base_manager.in_bulk(
            {f.session_id for f in follow_ups}, field_name="pk"
        )
        by_recommendation = {
            row["pk"]: row
            for row in Recommendation._base_manager.filter(
                pk__in={f.recommendation_id for f in follow_ups}
            ).values(
                "pk", committee_id=F("session__committee_id"), start_date=F("session__start_date")
            )
        }
        for follow_up in follow_ups:
            made = by_recommendation[follow_up.recommendation_id]
            made = Session(committee_id=made["committee_id"], start_date=made["start_date"])
            error = cls.order_error(made, sessions[follow_up.session_id])
            if error:
                raise ValidationError({"recommendation": error}, code="follow_up_order")

    def clean(self):
        super().clean()
        self.check_order()


def refuse_tags_change_on_frozen_items(sender, instance, action, reverse, model, pk_set, **kw):
    """m2m_changed receiver for the tags of agenda items and recommendations: frozen too."""
    if action not in {"pre_add", "pre_remove", "pre_clear"}:
        return
    if not reverse:
        session_ids = {instance.session_id}
        if instance.pk is not None:
            session_ids |= set(
                type(instance)
                ._base_manager.filter(pk=instance.pk)
                .values_list("session_id", flat=True)
            )
    else:  # tag.agenda_items.add(…) or tag.recommendations.clear()
        items = model._base_manager.all()
        items = items.filter(pk__in=pk_set) if pk_set is not None else items.filter(tags=instance)
        session_ids = set(items.values_list("session_id", flat=True))
    if frozen_session_ids(session_ids, lock=True):
        raise SessionFrozen()


def refuse_delete_of_person_in_record(sender, instance, **kwargs):
    """pre_delete of a Person (admin, directory, shell): refused while a validated record names
    them (rapporteur, co-chair, attendee, presenter, speaker, representative). Otherwise the
    sessions they report are told first, so that their history records the rapporteur removed
    (the deletion's cascade on the link table sends no signal)."""
    person = instance
    named = Session._base_manager.filter(
        Q(rapporteurs=person)
        | Q(cochairs__person=person)
        | Q(attendances__person=person)
        | Q(agenda_items__presenter=person)
        | Q(interventions__speaker=person)
    ).values_list("pk", flat=True)
    if frozen_session_ids(set(named), lock=True):
        raise SessionFrozen()
    for session in Session._base_manager.filter(rapporteurs=person):
        session.rapporteurs.remove(person)


def refresh_recommendation_of_follow_up(sender, instance, **kwargs):
    """post_save and post_delete of a FollowUp, whatever the path (form, admin, cascade): its
    recommendation's pointers to its latest follow-ups follow."""
    Recommendation.objects.filter(pk=instance.recommendation_id).refresh_follow_ups()


def refuse_cascade_delete_of_frozen_follow_up(sender, instance, **kwargs):
    """A follow-up of a frozen session is not deleted by a cascade (its recommendation's)."""
    if instance.session_is_frozen():
        raise SessionFrozen(instance.session)


m2m_changed.connect(
    refuse_rapporteurs_change_on_frozen_session,
    sender=Session.rapporteurs.through,
    dispatch_uid="refuse_rapporteurs_change_on_frozen_session",
)


def annex_upload_to(annex, filename):
    """annexes/session-<pk>/<random>.<ext>: the stored name never comes from the uploader."""
    extension = PurePath(filename).suffix.lower()
    return f"annexes/session-{annex.session_id}/{uuid.uuid4().hex}{extension}"


class AnnexRecorded(SessionFrozen):
    """Raised on a change or deletion of an annex that a validated version of the minutes
    lists: its file and title stay as long as that version is the record or an earlier one."""

    def __init__(self, annex=None):
        PermissionDenied.__init__(
            self,
            _(
                "This annex is listed by a validated version of the minutes: it can no longer "
                "be changed or deleted. During an erratum it can be withdrawn from the next "
                "version; its file stays for the versions that list it."
            ),
        )
        self.annex = annex
        self.session = None


class AnnexQuerySet(FreezeGuardedQuerySet):
    def current(self):
        """The annexes the session's minutes list now: not withdrawn by an erratum."""
        return self.filter(withdrawn_at__isnull=True)

    def visible_to(self, user):
        """Annexes are documents of record: a partner gets those a validated version lists,
        also during an erratum (as Minutes.objects.published()). Editors get every annex."""
        from ctn.roles import can_edit

        return self if can_edit(user) else self.recorded()

    def recorded(self):
        """The annexes listed by at least one validated version of the minutes."""
        return self.filter(recorded_at__isnull=False)

    def _refuse_recorded(self, fields=None):
        if fields is not None and set(fields) <= set(Annex.RECORD_EXEMPT_FIELDS):
            return
        if self.recorded().exists():
            raise AnnexRecorded()

    def update(self, **kwargs):
        with transaction.atomic(using=self.db):
            self._refuse_recorded(kwargs)
            return super().update(**kwargs)

    update.alters_data = True

    def delete(self):
        with transaction.atomic(using=self.db):
            self._refuse_recorded()
            return super().delete()

    delete.alters_data = True
    delete.queryset_only = True


class Annex(FreezeGuardedModel, models.Model):
    """A presentation or document attached to a session or to one of its agenda items.

    Its type is read from the file's content when it is uploaded (sessions/annexes.py). It is
    frozen with the session once the minutes are validated, and stays as it is, file included,
    once a validated version lists it (`recorded_at`): an erratum can only withdraw it from the
    next version (`withdrawn_at`).
    """

    # What may still change on an annex a validated version lists.
    RECORD_EXEMPT_FIELDS = ("withdrawn_at", "agenda_item", "agenda_item_id")

    class ContentType(models.TextChoices):
        PDF = "application/pdf", pgettext_lazy("file type", "PDF document")
        DOCX = (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            pgettext_lazy("file type", "Word document"),
        )
        XLSX = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            pgettext_lazy("file type", "Excel workbook"),
        )
        PPTX = (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            pgettext_lazy("file type", "PowerPoint presentation"),
        )
        PNG = "image/png", pgettext_lazy("file type", "PNG image")
        JPEG = "image/jpeg", pgettext_lazy("file type", "JPEG image")

    # The file names each type may carry; the first is the one given on download.
    EXTENSIONS = {
        ContentType.PDF: (".pdf",),
        ContentType.DOCX: (".docx",),
        ContentType.XLSX: (".xlsx",),
        ContentType.PPTX: (".pptx",),
        ContentType.PNG: (".png",),
        ContentType.JPEG: (".jpg", ".jpeg"),
    }

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="annexes"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.SET_NULL,
        related_name="annexes",
        null=True,
        blank=True,
    )
    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(_("file"), upload_to=annex_upload_to, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    content_type = models.CharField(_("type"), max_length=100, choices=ContentType.choices)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    recorded_at = models.DateTimeField(
        _("first listed by a validated version at"), null=True, blank=True, editable=False
    )
    withdrawn_at = models.DateTimeField(
        _("withdrawn from the next version at"), null=True, blank=True, editable=False
    )

    objects = AnnexQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("annex")
        verbose_name_plural = _("annexes")
        triggers = [
            *freeze_triggers(),
            pgtrigger.Trigger(
                name="refuse_change_when_recorded",
                when=pgtrigger.Before,
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__recorded_at__isnull=False),
                func="""
                    IF TG_OP = 'DELETE' OR (to_jsonb(NEW) - ARRAY['withdrawn_at', 'agenda_item_id'])
                       IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['withdrawn_at', 'agenda_item_id'])
                    THEN
                        RAISE EXCEPTION 'ctn: % on % refused: a validated version lists it',
                            TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
                    END IF;
                    IF TG_OP = 'DELETE' THEN
                        RETURN OLD;
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gte=1),
                name="annex_not_empty",
                violation_error_message=_("The file is empty."),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        exempt = update_fields is not None and set(update_fields) <= set(self.RECORD_EXEMPT_FIELDS)
        if not exempt and self._stored_recorded() and not self.session_is_frozen():
            raise AnnexRecorded(self)
        return super().save(*args, **kwargs)

    save.alters_data = True

    def get_absolute_url(self):
        return reverse("sessions:annex_download", args=[self.session_id, self.pk])

    def delete(self, *args, **kwargs):
        # On a frozen session, the freeze's own refusal (in super) says it better.
        if self._stored_recorded() and not self.session_is_frozen():
            raise AnnexRecorded(self)
        return super().delete(*args, **kwargs)

    delete.alters_data = True

    def _stored_recorded(self):
        if self.pk is None or self._state.adding:
            return False
        return Annex._base_manager.filter(pk=self.pk, recorded_at__isnull=False).exists()

    def clean(self):
        super().clean()
        if self._stored_recorded():
            raise ValidationError(AnnexRecorded().message, code="annex_recorded")
        if self.agenda_item_id and self.agenda_item.session_id != self.session_id:
            raise ValidationError(
                {"agenda_item": _("Choose an agenda item of this session.")},
                code="other_session",
            )

    @property
    def extension(self):
        return self.EXTENSIONS[self.content_type][0]

    @property
    def download_name(self):
        """The file name offered on download: the title, then the extension of its type."""
        stem = get_valid_filename(self.title)[:100] or "annexe"
        return f"{stem}{self.extension}"


for _through in (AgendaItem.tags.through, Recommendation.tags.through):
    m2m_changed.connect(
        refuse_tags_change_on_frozen_items,
        sender=_through,
        dispatch_uid=f"refuse_tags_change_on_frozen_items_{_through._meta.model_name}",
    )
pre_delete.connect(
    refuse_delete_of_person_in_record,
    sender="participants.Person",
    dispatch_uid="refuse_delete_of_person_in_record",
)
for _signal in (post_save, post_delete):
    _signal.connect(
        refresh_recommendation_of_follow_up,
        sender=FollowUp,
        dispatch_uid=f"refresh_recommendation_of_follow_up_{_signal is post_save}",
    )
pre_delete.connect(
    refuse_cascade_delete_of_frozen_follow_up,
    sender=FollowUp,
    dispatch_uid="refuse_cascade_delete_of_frozen_follow_up",
)
