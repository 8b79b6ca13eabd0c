import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ctn.freeze import FreezeGuardedModel, FreezeGuardedQuerySet, freeze_triggers
from ctn.history import HistoryQuerySet


class Organization(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government service")
        TFP = "tfp", _("Technical and financial partner")
        AGENCY = "agency", _("Public agency")
        NGO = "ngo", _("NGO")
        OTHER = "other", pgettext_lazy("organization kind", "Other")

    acronym = models.CharField(_("acronym"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    is_partner = models.BooleanField(
        _("partner"),
        default=False,
        help_text=_("Its members may download validated minutes."),
    )

    objects = HistoryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(
                fields=["acronym"],
                name="organization_acronym_unique",
                violation_error_message=_("An organization with this acronym already exists."),
            ),
        ]

    def __str__(self):
        return self.acronym

    def get_absolute_url(self):
        return reverse("participants:organization_edit", args=[self.pk])


class Person(models.Model):
    class Civility(models.TextChoices):
        MR = "M.", _("Mr")
        MRS = "Mme", _("Mrs")
        DR = "Dr", _("Dr")
        PR = "Pr", _("Prof.")

    civility = models.CharField(_("civility"), max_length=5, choices=Civility.choices, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    function = models.CharField(_("function"), max_length=255, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )

    objects = HistoryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("participants:person_edit", args=[self.pk])

    @property
    def full_name(self):
        """As printed in documents: "Hassane TANGARA"."""
        return f"{self.first_name} {self.last_name.upper()}".strip()

    @property
    def formal_name(self):
        """With the civility: "Dr Hassane TANGARA"."""
        return f"{self.civility} {self.full_name}".strip()


class Attendance(FreezeGuardedModel, models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", pgettext_lazy("attendance", "present")
        EXCUSED = "excused", pgettext_lazy("attendance", "excused")
        ABSENT = "absent", pgettext_lazy("attendance", "absent")
        REPRESENTED = "represented", pgettext_lazy("attendance", "represented")

    session = models.ForeignKey(
        "ctn_sessions.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PRESENT
    )
    represented_by = models.CharField(_("represented by"), max_length=200, blank=True)
    # Which days of the session the person (or their representative) was there: one bit per
    # day, day 1 = 1, day 2 = 2, day 3 = 4… (a session lasts 31 days at most: an integer
    # holds them all). Empty means every day, as for a one-day session.
    present_days = models.PositiveIntegerField(
        _("days present"),
        null=True,
        blank=True,
        help_text=_("Empty when present throughout the session."),
    )

    objects = FreezeGuardedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["person__last_name", "person__first_name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        triggers = freeze_triggers()
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                name="attendance_one_per_person_and_session",
                violation_error_message=_("This person is already on the attendance list."),
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.get_status_display()}"

    PRESENT_STATUSES = (Status.PRESENT, Status.REPRESENTED)

    @property
    def is_present(self):
        """Present or represented: counted among those who attended."""
        return self.status in self.PRESENT_STATUSES

    @staticmethod
    def days_mask(day_numbers):
        """The stored form of a list of day numbers (1 for the first day)."""
        mask = 0
        for number in day_numbers:
            mask |= 1 << (number - 1)
        return mask

    def day_numbers(self, day_count):
        """The days (1 for the first) this person attended, among the session's `day_count`;
        none for someone excused or absent."""
        if not self.is_present:
            return []
        if self.present_days is None:
            return list(range(1, day_count + 1))
        return [n for n in range(1, day_count + 1) if self.present_days & (1 << (n - 1))]

    def set_days(self, day_numbers, day_count):
        """Keep these days; every day of the session is kept as "throughout" (empty)."""
        numbers = sorted(set(day_numbers))
        if not self.is_present:
            self.present_days = 0
        elif numbers == list(range(1, day_count + 1)):
            self.present_days = None
        else:
            self.present_days = self.days_mask(numbers)

    @property
    def is_partial(self):
        """Present or represented on some days of the session only."""
        day_count = self.session.day_count
        return self.is_present and len(self.day_numbers(day_count)) < day_count

    @property
    def days_label(self):
        """The days attended, as dates: "26/09, 27/09 et 28/09"; "" when not there."""
        session = self.session
        numbers = tuple(self.day_numbers(session.day_count))
        return _days_label(session.start_date, numbers, get_language())


@lru_cache(maxsize=1024)
def _days_label(start, day_numbers, language):
    """A list of 60 attendees holds a few sets of days: each is written once per language (the
    language, active while this runs, is part of the key)."""
    return str(
        get_text_list(
            # Day and month as digits ("d/m"): the same in every language.
            [(start + timedelta(days=number - 1)).strftime("%d/%m") for number in day_numbers],
            _("and"),
        )
    )


# Each language named in itself, as language pickers do; empty: the browser's language.
INTERFACE_LANGUAGES = [("", _("the browser's language")), ("fr", "Français"), ("en", "English")]


class Membership(models.Model):
    """An organization that sits on a committee, and the person who usually represents it:
    the attendance list of a new session starts from them."""

    committee = models.ForeignKey(
        "ctn_sessions.Committee",
        verbose_name=_("committee"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    representative = models.ForeignKey(
        Person,
        verbose_name=_("usual representative"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
    )

    objects = HistoryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__acronym"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "organization"],
                name="membership_one_per_committee_and_organization",
                violation_error_message=_(
                    "This organization is already a member of the committee."
                ),
            ),
        ]

    def __str__(self):
        return str(self.organization)


class Profile(models.Model):
    """A user's own preferences: the e-mails they receive (validated minutes, reminders of their
    organization's recommendations), the language of the interface and the private calendar
    link.

    Created the first time it is needed (`Profile.for_user`). The calendar link carries a
    random secret; only its SHA-256 is kept (`calendar_token`), so the link is shown once, when
    it is created, and a copy of the database does not give anyone's calendar away.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.CASCADE,
        related_name="ctn_profile",
    )
    notify_minutes = models.BooleanField(
        _("e-mail me when minutes are validated"),
        default=True,
        help_text=_("An e-mail with the link to the PDF each time a compte rendu is validated."),
    )
    remind_recommendations = models.BooleanField(
        _("e-mail me the recommendations of my organization that are due or overdue"),
        default=True,
        help_text=_(
            "One digest at most per reminder period (a week by default): the recommendations of "
            "validated minutes whose deadline is near or past, for which your organization is "
            "responsible."
        ),
    )
    language = models.CharField(
        _("language of the interface"),
        max_length=10,
        choices=INTERFACE_LANGUAGES,
        blank=True,
        help_text=_(
            "The documents of record (minutes, attendance sheets, convocations) stay in French."
        ),
    )
    calendar_token = models.CharField(
        _("calendar token (SHA-256)"), max_length=64, blank=True, editable=False
    )
    calendar_token_created_at = models.DateTimeField(
        _("calendar link created at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["calendar_token"],
                # An empty token means "no calendar link", not a password.
                condition=~models.Q(calendar_token=""),  # nosec B106
                name="profile_calendar_token_unique",
                violation_error_message=_("This calendar link is already in use."),
            ),
        ]

    def __str__(self):
        return str(self.user)

    @classmethod
    def for_user(cls, user):
        profile, _created = cls.objects.get_or_create(user=user)
        return profile

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def has_calendar_link(self):
        return bool(self.calendar_token)

    @property
    def calendar_token_expires_at(self):
        if not self.calendar_token_created_at:
            return None
        return self.calendar_token_created_at + timedelta(days=settings.CALENDAR_TOKEN_MAX_AGE)

    def calendar_token_expired(self, now=None):
        expires_at = self.calendar_token_expires_at
        return expires_at is None or (now or timezone.now()) >= expires_at

    def new_calendar_token(self):
        """Replace the calendar link by a new one (the old one stops working); returns the
        secret, which is not kept."""
        token = secrets.token_urlsafe(32)
        self.calendar_token = self.hash_token(token)
        self.calendar_token_created_at = timezone.now()
        self.save(update_fields=["calendar_token", "calendar_token_created_at"])
        return token

    def revoke_calendar_token(self):
        self.calendar_token = ""  # nosec B105 - no link any more, not a password
        self.calendar_token_created_at = None
        self.save(update_fields=["calendar_token", "calendar_token_created_at"])
