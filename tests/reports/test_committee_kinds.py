"""Each kind of committee gets a PDF of record in its own form (issue 13). Everything goes
through the screens, as the users would: the coordinator sets the committee up on its settings
screen; the secretariat enters the people in the directory, creates the sessions and fills
their co-chairs, then submits the minutes; the coordinator validates them on the minutes page.
The PDF of record is then read back with pdftotext: letterhead, title, presidency wording,
numbering and adoption sentence."""

import datetime
import io
import re
import shutil
import subprocess

import pytest
from django.core.files import File
from PIL import Image

from participants.models import Person
from reports.models import Minutes, MinutesVersion
from sessions.models import Committee, Session
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def form_data(form):
    """What a browser would post back of `form` as shown: its current values."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None or isinstance(value, File):
            continue
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, (list, tuple)):
            data[key] = [str(item) for item in value]
        else:
            data[key] = str(value)
    return data


class Screens:
    """The test client driven as the secretariat and the coordinator would drive a browser."""

    def __init__(self, client, secretariat, coordinator):
        self.client, self.secretariat, self.coordinator = client, secretariat, coordinator

    def as_user(self, user):
        self.client.force_login(user)
        return self.client

    def post(self, user, url, data, expected=302):
        response = self.as_user(user).post(url, data)
        context = response.context or {}
        errors = {
            key: getattr(context.get(key), "errors", None)
            for key in ("form", "formset", "validate_form")
        }
        assert response.status_code == expected, errors
        return response

    def committee(self, *, logo=None, **settings):
        url = "/sessions/committees/new/"
        data = form_data(self.as_user(self.coordinator).get(url).context["form"])
        data.update(settings)
        self.post(self.coordinator, url, data)
        committee = Committee.objects.get(acronym=settings["acronym"])
        if logo is not None:
            url = f"/sessions/committees/{committee.pk}/"
            data = form_data(self.as_user(self.coordinator).get(url).context["form"])
            self.post(self.coordinator, url, {**data, "logo": logo})
        return Committee.objects.get(pk=committee.pk)

    def person(self, name, function):
        first, last = name.split(" ", 1)
        url = "/participants/people/new/"
        data = form_data(self.as_user(self.secretariat).get(url).context["form"])
        data.update(civility="M.", first_name=first, last_name=last, function=function)
        self.post(self.secretariat, url, data)
        return Person.objects.get(first_name=first, last_name=last)

    def session(self, committee, *, number, start, days=1, city, chairs=()):
        url = "/sessions/new/"
        data = form_data(self.as_user(self.secretariat).get(url).context["form"])
        data.update(
            committee=str(committee.pk),
            kind="ordinary",
            number=str(number) if number else "",
            start_date=start.isoformat(),
            end_date=(start + datetime.timedelta(days=days - 1)).isoformat(),
            city=city,
            venue="",
            status="held",
        )
        response = self.post(self.secretariat, url, data)
        session = Session.objects.get(pk=int(re.search(r"/sessions/(\d+)/", response.url)[1]))
        if chairs:
            self.cochairs(
                session, [(self.person(name, capacity), capacity) for name, capacity in chairs]
            )
        return session

    def cochairs(self, session, rows):
        url = f"/sessions/{session.pk}/cochairs/"
        page = self.as_user(self.secretariat).get(url)
        formset = page.context["formset"]
        prefix = formset.prefix
        data = {
            "lock": f"{session.edit_count}:{int(datetime.datetime.now().timestamp())}",
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for index, (person, capacity) in enumerate(rows):
            data[f"{prefix}-{index}-order"] = str(index)
            data[f"{prefix}-{index}-person"] = str(person.pk)
            data[f"{prefix}-{index}-capacity"] = capacity
        self.post(self.secretariat, url, data)

    def record(self, session, **adoption):
        """The secretariat submits the minutes, the coordinator validates them on their page:
        returns the validated version."""
        self.post(self.secretariat, f"/reports/{session.pk}/submit/", {})
        page = self.as_user(self.coordinator).get(f"/reports/{session.pk}/")
        data = form_data(page.context["validate_form"])
        data.update(adoption, confirm="on")
        self.post(self.coordinator, f"/reports/{session.pk}/validate/", data)
        assert Minutes.objects.get(session=session).status == "validated"
        return MinutesVersion.objects.get(minutes__session=session)


@pytest.fixture
def screens(client, secretariat, coordinator):
    return Screens(client, secretariat, coordinator)


def logo_png():
    buffer = io.BytesIO()
    Image.new("RGB", (90, 60), (200, 120, 0)).save(buffer, format="PNG")
    buffer.name = "armoiries.png"
    buffer.seek(0)
    return buffer


def embedded_images(pdf_bytes, tmp_path):
    assert shutil.which("pdfimages"), "poppler-utils (pdfimages) is needed"
    path = tmp_path / "images.pdf"
    path.write_bytes(pdf_bytes)
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    return [tuple(int(n) for n in re.split(r"\s+", line.strip())[3:5]) for line in listing]


def test_the_ctn_keeps_its_form(screens, tmp_path):
    ctn = screens.committee(
        name="Comité Technique National",
        acronym="CTN",
        programme="Programme de Filets Sociaux « Jigisemejiri »",
        letterhead="MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL",
    )
    s18 = screens.session(
        ctn,
        number=18,
        start=datetime.date(2019, 9, 26),
        days=3,
        city="Ségou",
        chairs=[("Mahamadou Coulibaly", "Coordinateur"), ("Bakary Dembélé", "DRDSES")],
    )
    screens.session(ctn, number=19, start=datetime.date(2019, 12, 17), days=3, city="Kayes")

    text = pdf_text(bytes(screens.record(s18).pdf), tmp_path)

    for phrase in [
        "MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL",
        "RÉPUBLIQUE DU MALI",
        "Un Peuple – Un But – Une Foi",
        "Compte rendu de la 18ème session ordinaire du Comité Technique National (CTN)",
        "Le Comité Technique National a tenu sa 18ème session ordinaire les 26, 27 et 28 "
        "septembre 2019 à Ségou.",
        "La session a été coprésidée par :",
        "Les co-présidents",
        "Adopté lors de la 19ème session ordinaire, le 17 décembre 2019",
    ]:
        assert phrase in text


def test_a_regional_committee_meeting_in_niger_under_its_letterhead(screens, tmp_path):
    committee = screens.committee(
        name="Comité Régional de Pilotage",
        acronym="CRP",
        programme="Projet régional d’appui aux filets sociaux adaptatifs",
        letterhead="MINISTÈRE DE L’ACTION HUMANITAIRE\nCELLULE FILETS SOCIAUX",
        state="RÉPUBLIQUE DU NIGER",
        motto="Fraternité – Travail – Progrès",
        letterhead_layout="centred",
        logo=logo_png(),
    )
    s4 = screens.session(
        committee,
        number=4,
        start=datetime.date(2022, 5, 10),
        days=2,
        city="Niamey",
        chairs=[("Issoufou Moussa", "Secrétaire général")],
    )
    screens.session(committee, number=5, start=datetime.date(2022, 11, 8), days=2, city="Dakar")

    pdf = bytes(screens.record(s4).pdf)
    text = pdf_text(pdf, tmp_path)

    assert "RÉPUBLIQUE DU NIGER" in text and "Fraternité – Travail – Progrès" in text
    assert "MINISTÈRE DE L’ACTION HUMANITAIRE" in text and "CELLULE FILETS SOCIAUX" in text
    assert "RÉPUBLIQUE DU MALI" not in text and "Un Peuple" not in text
    assert embedded_images(pdf, tmp_path) == [(90, 60)]
    assert "Compte rendu de la 4ème session ordinaire du Comité Régional de Pilotage" in text
    assert "La session a été coprésidée par :" in text
    assert "Adopté lors de la 5ème session ordinaire, le 8 novembre 2022" in text


def test_a_ministry_steering_committee_with_one_president_numbered_per_year(screens, tmp_path):
    committee = screens.committee(
        name="Comité de Pilotage",
        acronym="COPIL",
        programme="",
        letterhead="MINISTÈRE DU DÉVELOPPEMENT SOCIAL",
        presidency="president",
        numbering="yearly",
        document_title="record",
    )
    first = screens.session(
        committee,
        number=1,
        start=datetime.date(2024, 3, 14),
        city="Bamako",
        chairs=[("Oumar Diarra", "Secrétaire général")],
    )
    screens.session(committee, number=2, start=datetime.date(2024, 6, 20), city="Bamako")

    text = pdf_text(bytes(screens.record(first).pdf), tmp_path)

    assert "MINISTÈRE DU DÉVELOPPEMENT SOCIAL" in text
    assert (
        "Procès-verbal de la 1ère session ordinaire de l’année 2024 du Comité de Pilotage (COPIL)"
        in text
    )
    assert "La session a été présidée par :" in text
    assert "Le Président" in text and "co-président" not in text
    assert "Adopté lors de la 2ème session ordinaire de l’année 2024, le 20 juin 2024" in text
    assert "COPIL-1ère-session-ordinaire-2024-proces-verbal-v1 Page 1" in text


def test_the_steering_committee_s_first_session_of_the_next_year_is_number_one_again(
    screens, tmp_path
):
    committee = screens.committee(
        name="Comité de Pilotage",
        acronym="COPIL",
        programme="",
        letterhead="MINISTÈRE DU DÉVELOPPEMENT SOCIAL",
        presidency="president",
        numbering="yearly",
        document_title="record",
    )
    screens.session(committee, number=1, start=datetime.date(2024, 3, 14), city="Bamako")
    screens.session(committee, number=2, start=datetime.date(2024, 6, 20), city="Bamako")
    first_2025 = screens.session(
        committee,
        number=1,
        start=datetime.date(2025, 3, 13),
        city="Ségou",
        chairs=[("Oumar Diarra", "Secrétaire général")],
    )
    screens.session(committee, number=2, start=datetime.date(2025, 6, 19), city="Bamako")

    version = screens.record(first_2025)
    text = pdf_text(bytes(version.pdf), tmp_path)

    assert (
        "Procès-verbal de la 1ère session ordinaire de l’année 2025 du Comité de Pilotage (COPIL)"
        in text
    )
    assert (
        "Le Comité de Pilotage a tenu sa 1ère session ordinaire de l’année 2025 le 13 mars" in text
    )
    assert "La session a été présidée par :" in text
    assert "Adopté lors de la 2ème session ordinaire de l’année 2025, le 19 juin 2025" in text
    assert version.filename == "COPIL-1ère-session-ordinaire-2025-proces-verbal-v1.pdf"


def test_a_bureau_whose_meetings_are_not_numbered(screens, tmp_path):
    committee = screens.committee(
        name="Bureau du Comité",
        acronym="BUR",
        programme="",
        letterhead="UNITÉ TECHNIQUE DE GESTION",
        presidency="president",
        numbering="none",
        meeting_noun="meeting",
    )
    meeting = screens.session(
        committee,
        number=None,
        start=datetime.date(2015, 3, 12),
        city="Bamako",
        chairs=[("Modibo Keïta", "Président du bureau")],
    )

    version = screens.record(meeting, adoption_mode="meeting", adopted_on="2015-04-02")
    text = pdf_text(bytes(version.pdf), tmp_path)

    assert "UNITÉ TECHNIQUE DE GESTION" in text
    assert "Compte rendu de la réunion du 12 mars 2015 du Bureau du Comité (BUR)" in text
    assert "Le Bureau du Comité s’est réuni le 12 mars 2015 à Bamako." in text
    assert "La réunion a été présidée par :" in text
    assert "1ère" not in text and "ème" not in text
    assert version.filename == "BUR-reunion-2015-03-12-compte-rendu-v1.pdf"
    assert "Adopté lors d’une réunion extraordinaire hors session, le 2 avril 2015" in text


def test_a_commission_adopted_nine_months_later_by_written_procedure(screens, tmp_path):
    committee = screens.committee(
        name="Commission nationale de ciblage",
        acronym="CNC",
        programme="",
        letterhead="MINISTÈRE DE LA SOLIDARITÉ",
        article="la",
        numbering="none",
    )
    meeting = screens.session(
        committee,
        number=None,
        start=datetime.date(2021, 3, 2),
        city="Mopti",
        chairs=[("Awa Traoré", "Présidente"), ("Ali Sow", "Vice")],
    )

    version = screens.record(meeting, adoption_mode="written", adopted_on="2021-12-02")
    text = pdf_text(bytes(version.pdf), tmp_path)

    assert "MINISTÈRE DE LA SOLIDARITÉ" in text
    assert "Compte rendu de la session du 2 mars 2021 de la Commission nationale de ciblage" in text
    assert "La Commission nationale de ciblage s’est réunie le 2 mars 2021 à Mopti." in text
    assert "La session a été coprésidée par :" in text
    assert "du Commission" not in text and "Le Commission" not in text
    assert "Adopté par procédure écrite le 2 décembre 2021." in text
