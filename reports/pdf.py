"""The printed documents of a session: the compte rendu and the attendance sheet.

One function per document. Each builds its context in a fixed number of queries, renders a
print-only template (templates/reports/pdf/, stylesheet static/css/pdf.css, fonts from
static/fonts/) in French, and hands it to WeasyPrint with a URL fetcher that serves only the
project's static directory. They return the PDF bytes and write nothing to the database.
"""

import base64
import datetime
import gc
import hashlib
import json
import logging
import mimetypes
import multiprocessing
import os
import resource
import time
import warnings
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Prefetch, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from ctn import french
from reports.record_data import ATTACHMENT_NAME, minutes_record_json
from sessions.models import LOGO_FORMATS

logger = logging.getLogger(__name__)

STATIC_DIR = Path(settings.BASE_DIR) / "static"
# Empty rows at the end of each attendance sheet, for participants who were not expected.
BLANK_ATTENDANCE_ROWS = 8


class PdfRenderingError(Exception):
    """WeasyPrint could not produce the document; the cause is chained."""


def _static_url_fetcher():
    """A WeasyPrint URL fetcher that serves files under STATIC_DIR and refuses anything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = STATIC_DIR.resolve()

    class StaticOnlyURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return self.fetch_data(url)
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"Refused URL outside the static files: {url}")
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                raise ValueError(f"Refused path outside the static files: {path}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
            )

        def fetch_data(self, url):
            # A committee's logo, embedded by the template (Committee.logo_data_uri): an image
            # read from the storage, nothing fetched. Other data: URLs are refused.
            header, _comma, data = url.partition(",")
            content_type = header.removeprefix("data:").removesuffix(";base64")
            if content_type not in LOGO_FORMATS.values() or not header.endswith(";base64"):
                raise ValueError(f"Refused data: URL of type {content_type}")
            return URLFetcherResponse(
                url, base64.b64decode(data), headers={"Content-Type": content_type}
            )

    # A missing stylesheet or font must fail the rendering, not yield a plain-looking record.
    return StaticOnlyURLFetcher(fail_on_errors=True)


# The documents of record: PDF/A-3 level A, an archival file that is also tagged (its structure
# and reading order for screen readers, its language from <html lang>) and that may carry
# associated files of any type, such as the record's structured content (PDF/UA-1 alone would
# not be archival; PDF/A-3b is neither tagged nor accessible).
ARCHIVAL_VARIANT = "pdf/a-3a"


def _weasyprint_pdf(html, *, archival, attachments=()):
    """HTML -> PDF bytes with WeasyPrint: ARCHIVAL_VARIANT for the documents of record, with
    `attachments`, (file name, text, description) triples, embedded as their data."""
    import weasyprint

    options = {}
    if archival:
        options["pdf_variant"] = ARCHIVAL_VARIANT
        options["attachments"] = [
            weasyprint.Attachment(
                string=text, name=name, description=description, relationship="Data"
            )
            for name, text, description in attachments
        ]
    document = weasyprint.HTML(
        string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=_static_url_fetcher()
    )
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile (the PDF/A output intent) and leaves the
        # handle to the garbage collector; the bytes are read, nothing leaks but the warning.
        warnings.filterwarnings(
            "ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning
        )
        return document.write_pdf(**options)


def _address_space():
    """The bytes of address space this process holds (Linux), or None where unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _render_in_child(sender, html, archival, attachments, memory):
    """In the forked worker: cap the address space, render, send ("ok"|"error", payload)."""
    # Warnings raised here (a test run's "error" filter included) would only be printed as
    # ignored exceptions when the worker exits: the parent hears of failures through the pipe.
    warnings.simplefilter("ignore")
    # The parent's objects out of the collector's sight: a collection would write into each
    # of them, copying every page of the parent's memory into this short-lived child.
    gc.freeze()
    try:
        held = _address_space()
        if memory and held is not None:
            limit = held + memory
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        result = ("ok", _weasyprint_pdf(html, archival=archival, attachments=attachments))
    except BaseException as exc:  # noqa: B036 - everything goes back to the parent as an error
        result = ("error", f"{type(exc).__name__}: {exc}"[:2000])
    try:
        sender.send(result)
    finally:
        sender.close()
        # Leave at once: flushing the standard streams inherited from the parent would print
        # again whatever the parent had buffered when it forked.
        os._exit(0)


def _write_pdf(html, *, archival, attachments=()):
    """HTML -> PDF bytes, rendered in a forked worker within a time and a memory limit.

    A pathological document (huge text, thousands of rows) must not hold a web worker or its
    memory: after settings.PDF_RENDER_TIMEOUT seconds, or beyond settings.PDF_RENDER_MEMORY_MB
    more megabytes of address space, the worker is stopped and PdfRenderingError raised. The
    database is only read before, in this process.
    """
    import weasyprint  # noqa: F401 - imported here once, so that each forked worker has it

    timeout = settings.PDF_RENDER_TIMEOUT
    memory = settings.PDF_RENDER_MEMORY_MB * 1024 * 1024
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this system: render here, without the limits
        try:
            return _weasyprint_pdf(html, archival=archival, attachments=attachments)
        except Exception as exc:
            raise PdfRenderingError(str(exc)) from exc
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(
        target=_render_in_child, args=(sender, html, archival, attachments, memory), daemon=True
    )
    started = time.monotonic()
    worker.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise PdfRenderingError(f"The PDF took more than {timeout} s to render: stopped.")
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise PdfRenderingError(
                f"The PDF worker ended without a result (exit code {worker.exitcode}), "
                "probably beyond its memory limit."
            ) from None
    finally:
        receiver.close()
        if worker.is_alive():
            worker.kill()
        worker.join()
    if status != "ok":
        raise PdfRenderingError(payload)
    logger.debug("PDF rendered in %.2f s", time.monotonic() - started)
    return payload


def _minutes_context(minutes, *, record, version):
    from reports.models import Minutes, MinutesEvent, MinutesVersion
    from sessions.models import (
        Annex,
        ExpectedResult,
        FollowUp,
        Recommendation,
        Session,
    )

    # The next session within the committee is read as annotations of the main query, and the
    # follow-up of earlier recommendations is prefetched: the PDF is built in a fixed, small
    # number of queries (the page budget is 15, authentication included).
    neighbours = Session.objects.filter(committee_id=OuterRef("committee_id"))
    following = neighbours.filter(start_date__gt=OuterRef("end_date")).order_by(
        "start_date", "number"
    )
    session = (
        Session.objects.with_sections()
        .prefetch_related(Prefetch("annexes", Annex.objects.select_related("agenda_item")))
        .annotate(
            **{
                f"following_{field}": Subquery(following.values(field)[:1])
                for field in ("number", "kind", "start_date", "end_date", "city")
            },
        )
        .get(pk=minutes.session_id)
    )
    follow_ups = list(
        FollowUp.objects.filter(session=session)
        .select_related("recommendation__session__committee", "recommendation__responsible")
        .order_by("recommendation__session__start_date", "recommendation__order", "recommendation")
    )
    following = None
    if session.following_number:
        following = Session(
            committee=session.committee,
            number=session.following_number,
            kind=session.following_kind,
            start_date=session.following_start_date,
            end_date=session.following_end_date,
            city=session.following_city,
        )
    # The date the committee adopted each examined compte rendu (never the day it was recorded).
    adopted_on = MinutesVersion.objects.filter(
        minutes_id=OuterRef("minutes_id"), number=OuterRef("version")
    ).values("adopted_on")[:1]
    reviews = (
        MinutesEvent.objects.filter(
            during=session, action__in=[Minutes.Action.VALIDATE, Minutes.Action.POSTPONE]
        )
        .select_related("minutes__session__committee", "actor")
        .annotate(adopted_on=Subquery(adopted_on))
    )

    proceedings = session.proceedings()
    recommendations = list(session.recommendations.all())
    results = list(session.expected_results.all())
    attendances = list(session.attendances.all())
    present = [a for a in attendances if a.status in ("present", "represented")]
    # Counted under the committee's names of the categories (Committee.participant_category).
    categories = Counter(
        session.committee.participant_category(
            a.person.organization.kind if a.person.organization_id else None
        )
        for a in present
    )
    return {
        "minutes": minutes,
        "session": session,
        "committee": session.committee,
        "record": record,
        "version": version,
        "opening_interventions": proceedings.opening,
        "closing_interventions": proceedings.closing,
        "unplaced_interventions": proceedings.unplaced,
        "agenda": proceedings.agenda,
        "recommendations": [
            r for r in recommendations if r.kind == Recommendation.Kind.RECOMMENDATION
        ],
        "blockers": [r for r in recommendations if r.kind == Recommendation.Kind.BLOCKER],
        "results": results,
        "assessment": ExpectedResult.assess([r.status for r in results]),
        "attendances": attendances,
        "present_count": len(present),
        "categories": sorted(categories.items()),
        "follow_ups": follow_ups,
        "following": following,
        "reviews": list(reviews),
        "rapporteurs": list(session.rapporteurs.all()),
        "cochairs": list(session.cochairs.all()),
        "signed_on": french.long_date(session.end_date),
        "verify_url": settings.SITE_URL + reverse("reports:verify"),
        **_committee_wording(session.committee, session, version),
        "annexes": [annex for annex in session.annexes.all() if annex.withdrawn_at is None],
    }


def _committee_wording(committee, session, version):
    """The words that follow the committee's settings: title, designation, presidency."""
    during = version.validated_during if version is not None else None
    return {
        "pdf_title": committee.document_title_of(session),
        "designation": committee.designation(session),
        "meeting_noun": french.MeetingNoun(committee.meeting_noun).label,
        "single_president": committee.presidency == french.Presidency.PRESIDENT,
        "adopted_during": committee.designation(during) if during is not None else "",
    }


# The parts of minutes_fingerprint's one query; {names} are quoted table names.
FINGERPRINT_CHILD = "(SELECT MAX(history_id) FROM {trail} WHERE session_id = %(s)s)"
FINGERPRINT_PEOPLE = (
    "SELECT person_id FROM {cochair} WHERE session_id = %(s)s"
    " UNION SELECT person_id FROM {attendance} WHERE session_id = %(s)s"
    " UNION SELECT person_id FROM {rapporteurs} WHERE session_id = %(s)s"
    " UNION SELECT presenter_id FROM {agendaitem} WHERE session_id = %(s)s"
    " UNION SELECT speaker_id FROM {intervention} WHERE session_id = %(s)s"
)
FINGERPRINT_ORGANIZATIONS = (
    "SELECT organization_id FROM {person} WHERE id IN ({people})"
    " UNION SELECT responsible_id FROM {recommendation} WHERE session_id = %(s)s"
    " UNION SELECT r.responsible_id FROM {recommendation} r"
    " JOIN {followup} f ON f.recommendation_id = r.id WHERE f.session_id = %(s)s"
)
FINGERPRINT_FOLLOWING = (
    "SELECT n.id FROM {session} n JOIN {session} s ON s.id = %(s)s"
    " WHERE n.committee_id = s.committee_id AND n.start_date > s.end_date"
    " ORDER BY n.start_date, n.number LIMIT 1"
)
FINGERPRINT_SQL = (
    "SELECT (SELECT MAX(history_id) FROM {session_trail} WHERE id = %(s)s), {children},"
    " (SELECT MAX(history_id) FROM {person_trail} WHERE id IN ({people})),"
    " (SELECT MAX(history_id) FROM {organization_trail} WHERE id IN ({organizations})),"
    " (SELECT MAX(id) FROM {event} WHERE during_id = %(s)s),"
    " ({following}),"
    " (SELECT MAX(history_id) FROM {session_trail} WHERE id = ({following}))"
)


def minutes_fingerprint(minutes):
    """A fingerprint of everything the compte rendu of `minutes.session` is made of: what the
    coordinator reviews. Validation compares it again under the session's lock
    (reports/services.py), so that the record is exactly what was read.

    Every write under the session, and every change of the people and organizations it names,
    leaves a row in their django-simple-history trail: the latest trail ids, with the reviews
    held during the session, the next session and the committee's letterhead, change whenever
    the document could. One query, whatever the size of the session.
    """
    from participants.models import Attendance, Organization, Person
    from reports.models import MinutesEvent
    from sessions.models import (
        AgendaItem,
        Annex,
        CoChair,
        ExpectedResult,
        FollowUp,
        Intervention,
        Recommendation,
        Session,
    )

    quote = connection.ops.quote_name
    names = {
        "session": quote(Session._meta.db_table),
        "person": quote(Person._meta.db_table),
        "recommendation": quote(Recommendation._meta.db_table),
        "followup": quote(FollowUp._meta.db_table),
        "cochair": quote(CoChair._meta.db_table),
        "attendance": quote(Attendance._meta.db_table),
        "rapporteurs": quote(Session.rapporteurs.through._meta.db_table),
        "agendaitem": quote(AgendaItem._meta.db_table),
        "intervention": quote(Intervention._meta.db_table),
        "event": quote(MinutesEvent._meta.db_table),
        "person_trail": quote(Person.history.model._meta.db_table),
        "organization_trail": quote(Organization.history.model._meta.db_table),
        "session_trail": quote(Session.history.model._meta.db_table),
    }
    children = (CoChair, AgendaItem, Intervention, ExpectedResult, Recommendation, Attendance)
    children += (Annex, FollowUp)
    trails = [quote(model.history.model._meta.db_table) for model in children]
    # Table names come from the models' meta, never from input.
    sql = FINGERPRINT_SQL.format(
        children=", ".join(FINGERPRINT_CHILD.format(trail=trail) for trail in trails),
        people=FINGERPRINT_PEOPLE.format(**names),
        organizations=FINGERPRINT_ORGANIZATIONS.format(
            people=FINGERPRINT_PEOPLE.format(**names), **names
        ),
        following=FINGERPRINT_FOLLOWING.format(**names),
        **names,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"s": minutes.session_id})
        stamps = cursor.fetchone()
    committee = minutes.session.committee
    parts = [*map(str, stamps), committee.name, committee.acronym, committee.programme]
    parts.append(committee.letterhead)
    parts += [committee.article, committee.state, committee.motto, committee.presidency]
    parts += [committee.numbering, committee.document_title, committee.meeting_noun]
    parts += [committee.logo.name, committee.letterhead_layout]
    parts.append(json.dumps(committee.participant_categories or {}, sort_keys=True))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# Where the validation mention goes in the document of record (templates/reports/pdf/).
MENTION_MARKER = "<!--ctn:validation-mention-->"


def render_minutes_pdf(minutes, *, record=False, version=None):
    """The compte rendu of `minutes.session` as PDF bytes.

    record=False: a draft preview, watermarked "PROJET", without validation mention.
    record=True: the PDF of record of `version` (an unsaved or saved MinutesVersion carrying
    its validation: validated_at, validated_by, validated_during, outcome, amendments), an
    archival, tagged PDF/A-3a (ARCHIVAL_VARIANT) in which the structured content of the
    minutes is embedded as JSON (reports/record_data.py). Its side effects, on `version`
    only: it sets `content_sha256`, the SHA-256 of the document's HTML before the validation
    mention is added, printed in the mention, and `record_json`, the JSON embedded. The file's
    own SHA-256 cannot be printed inside it; it is computed by the caller (after signing) and
    both are checked by the verify page. Raises PdfRenderingError when WeasyPrint fails.
    """
    if record and version is None:
        raise ValueError("A PDF of record needs the version it records.")
    with translation.override("fr"):
        context = _minutes_context(minutes, record=record, version=version)
        html = render_to_string("reports/pdf/minutes.html", context)
        if record:
            # The document is rendered once; the mention, which prints the content's
            # fingerprint, takes the place of its marker afterwards.
            version.content_sha256 = hashlib.sha256(html.encode()).hexdigest()
            mention = render_to_string("reports/pdf/_mention.html", context)
            html = html.replace(MENTION_MARKER, mention, 1)
            version.record_json = minutes_record_json(context)
            attachment = (ATTACHMENT_NAME, version.record_json, _("Content of the minutes (JSON)"))
            return _write_pdf(html, archival=True, attachments=[attachment])
        return _write_pdf(html, archival=False)


def _weekday_long_date(day):
    return f"{WEEKDAYS[day.weekday()]} {french.long_date(day)}"


def render_attendance_sheet_pdf(session):
    """The attendance sheet to print and sign at the venue: one sheet per day of the session.

    Lists the people expected (the session's attendance list) and blank rows for others.
    """
    from participants.models import Attendance
    from sessions.models import Session

    with translation.override("fr"):
        session = (
            Session.objects.select_related("committee")
            .prefetch_related(
                Prefetch("attendances", Attendance.objects.select_related("person__organization"))
            )
            .get(pk=session.pk)
        )
        days = [
            _weekday_long_date(session.start_date + datetime.timedelta(days=offset))
            for offset in range(session.day_count)
        ]
        attendances = list(session.attendances.all())
        html = render_to_string(
            "reports/pdf/attendance_sheet.html",
            {
                "session": session,
                "committee": session.committee,
                "designation": session.committee.designation(session),
                "days": days,
                "attendances": attendances,
                "blank_rows": range(
                    len(attendances) + 1, len(attendances) + 1 + BLANK_ATTENDANCE_ROWS
                ),
            },
        )
        return _write_pdf(html, archival=False)


def _convocation_signatory(cochairs):
    """Who signs the convocation: the co-chair who is the programme's coordinator, if any."""
    for cochair in cochairs:
        text = f"{cochair.capacity} {cochair.person.function}".lower()
        if "coordinat" in text:
            return cochair
    return None


def render_convocation_pdf(session):
    """The convocation (invitation letter) of a session as PDF bytes, in French.

    Under the committee's letterhead: place and date of issue, reference, subject (« Objet »),
    the session, its dates, start time and venue, its objective and expected results, its draft
    agenda, the practical details, signed by the coordinator among the co-chairs (a blank
    signature otherwise). Made mostly for planned sessions; built in a fixed number of queries.
    Raises PdfRenderingError.
    """
    from sessions.models import AgendaItem, CoChair, Session

    with translation.override("fr"):
        session = (
            Session.objects.select_related("committee")
            .prefetch_related(
                Prefetch(
                    "agenda_items", AgendaItem.objects.select_related("presenter__organization")
                ),
                "expected_results",
                Prefetch("cochairs", CoChair.objects.select_related("person__organization")),
            )
            .get(pk=session.pk)
        )
        cochairs = list(session.cochairs.all())
        committee = session.committee
        start = session.start_time
        html = render_to_string(
            "reports/pdf/convocation.html",
            {
                "session": session,
                "committee": committee,
                "designation": committee.designation(session),
                "agenda_items": list(session.agenda_items.all()),
                "results": list(session.expected_results.all()),
                "signatory": _convocation_signatory(cochairs),
                # The letter's date and place as entered; else the day it is printed, and the
                # session's city.
                "issued_at": session.convocation_place or session.city,
                "issued_on": french.long_date(session.convocation_date or timezone.localdate()),
                "opening_day": _weekday_long_date(session.start_date),
                "start_time": f"{start.hour} h {start.minute:02d}" if start else "",
            },
        )
        return _write_pdf(html, archival=False)
