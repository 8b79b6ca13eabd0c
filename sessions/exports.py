"""Tables of a session for a spreadsheet: its recommendations and its attendance list.

Each table is a title, French column headers and rows of plain values (text, numbers, dates),
written as XLSX (openpyxl) or as CSV for Excel in French (UTF-8 with a byte-order mark, ";"
between fields). A text that a spreadsheet would take for a formula (it starts with =, +, -, @,
a tab or a carriage return) is kept as text: in XLSX a string cell with Excel's "quote prefix",
in CSV a leading apostrophe, as OWASP advises against CSV injection.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext_lazy

from ctn import french

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "%d/%m/%Y"
# Words of the file names, always in French: "CTN-18e-session-ordinaire-recommandations.xlsx".
RECOMMENDATIONS = pgettext_lazy("file name", "recommendations")
ATTENDANCE = pgettext_lazy("file name", "attendance")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    title: str
    headers: list
    rows: list
    filename: str  # without extension


def is_formula_like(value):
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def session_file_stem(session):
    """ "CTN-18ème-session-ordinaire": the one naming scheme of every file of a session, with
    the ordinal as the committee writes it (french.ordinal, as in the documents' text)."""
    committee = session.committee
    with override("fr"):
        kind = slugify(session.get_kind_display())
        noun = slugify(french.MeetingNoun(committee.meeting_noun).label)
        if committee.numbering == french.Numbering.NONE:
            # "BUR-reunion-2015-03-12": an unnumbered meeting is named by its date.
            return "-".join([committee.acronym, noun, session.start_date.isoformat()])
        parts = [committee.acronym, french.ordinal(session.number), noun, kind]
        if committee.numbering == french.Numbering.YEARLY:
            parts.append(str(session.start_date.year))
        return "-".join(parts)


def _file_word(word):
    with override("fr"):
        return slugify(str(word))


def _recommendation_columns(recommendation, number):
    return [
        number,
        recommendation.get_kind_display(),
        recommendation.text,
        recommendation.solution,
        recommendation.responsible_name,
        recommendation.due_date,
        recommendation.get_status_display(),
    ]


def _numbered(recommendations):
    """Each recommendation with its number within its session and kind, as the PDF numbers."""
    counters = {}
    for recommendation in recommendations:
        key = (recommendation.session_id, recommendation.kind)
        counters[key] = counters.get(key, 0) + 1
        yield recommendation, counters[key]


def _recommendation_headers():
    return [
        _("No."),
        _("Kind"),
        _("Recommendation or blocker"),
        _("Solution"),
        _("Responsible"),
        _("Deadline"),
        _("Status"),
    ]


def recommendations_table(session):
    """The recommendations and blockers of one session (2 queries)."""
    from sessions.models import Recommendation

    recommendations = Recommendation.objects.filter(session=session).select_related("responsible")
    return Table(
        title=_("Recommendations"),
        headers=_recommendation_headers(),
        rows=[_recommendation_columns(r, n) for r, n in _numbered(recommendations)],
        filename=f"{session_file_stem(session)}-{_file_word(RECOMMENDATIONS)}",
    )


def all_recommendations_table(sessions):
    """The recommendations of every session in `sessions` (those the user may see), the
    latest session first, with the committee and the session on each row."""
    from sessions.models import Recommendation

    recommendations = (
        Recommendation.objects.filter(session__in=sessions)
        .select_related("session__committee", "responsible")
        .order_by("-session__start_date", "session_id", "order", "pk")
    )
    rows = [
        [
            r.session.committee.acronym,
            str(r.session),
            r.session.start_date,
            *_recommendation_columns(r, n),
        ]
        for r, n in _numbered(recommendations)
    ]
    return Table(
        title=_("Recommendations"),
        headers=[_("Committee"), _("Session"), _("Session start date"), *_recommendation_headers()],
        rows=rows,
        filename=_file_word(RECOMMENDATIONS),
    )


def attendance_table(session, *, with_contacts):
    """The attendance list of one session (2 queries). Phone numbers and e-mail addresses only
    `with_contacts` (for the secretariat and the coordinator, as on the sheet they print)."""
    # Through the session: each row knows it (for its days) without reading it again.
    attendances = session.attendances.select_related("person__organization")
    headers = [
        _("No."),
        _("Civility"),
        _("First name"),
        _("Last name"),
        _("Organization"),
        _("Function"),
        _("Attendance"),
        _("Represented by"),
        _("Days attended"),
    ]
    if with_contacts:
        headers += [_("Phone"), _("E-mail")]
    rows = []
    for number, attendance in enumerate(attendances, start=1):
        person = attendance.person
        row = [
            number,
            person.civility,
            person.first_name,
            person.last_name.upper(),
            str(person.organization) if person.organization_id else "",
            person.function,
            attendance.get_status_display(),
            attendance.represented_by,
            attendance.days_label,
        ]
        if with_contacts:
            row += [person.phone, person.email]
        rows.append(row)
    return Table(
        title=_("Attendance list"),
        headers=headers,
        rows=rows,
        filename=f"{session_file_stem(session)}-{_file_word(ATTENDANCE)}",
    )


def xlsx_bytes(table):
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    # A sheet title holds at most 31 characters, none of []:*?/\.
    sheet.title = "".join(c for c in table.title if c not in "[]:*?/\\")[:31] or "Feuille"
    widths = [len(str(header)) for header in table.headers]
    for column, header in enumerate(table.headers, start=1):
        cell = sheet.cell(row=1, column=column, value=str(header))
        cell.font = Font(bold=True)
    for row_number, row in enumerate(table.rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, str):
                # Control characters are not allowed in an XLSX file: dropped, never an error.
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.value = value
                if is_formula_like(value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
            else:
                cell.value = value
                if isinstance(value, datetime.date):
                    cell.number_format = "DD/MM/YYYY"
            width = len(value.strftime(DATE_FORMAT)) if isinstance(value, datetime.date) else 0
            width = max(width, min(len(value), 60) if isinstance(value, str) else 6)
            widths[column - 1] = max(widths[column - 1], width)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width + 2
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime(DATE_FORMAT)
    value = str(value)
    return f"'{value}" if is_formula_like(value) else value


def csv_text(table):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(header) for header in table.headers])
    for row in table.rows:
        writer.writerow([_csv_value(value) for value in row])
    # The byte-order mark tells Excel the file is UTF-8 (accents intact).
    return "\ufeff" + buffer.getvalue()


def table_response(table, file_format):
    """The table as a download: file_format is "xlsx" or "csv"."""
    if file_format == "xlsx":
        response = HttpResponse(xlsx_bytes(table), content_type=XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(
            csv_text(table).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{table.filename}.{file_format}"
    )
    response["Cache-Control"] = "private, no-store"
    return response
