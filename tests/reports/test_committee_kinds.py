"""Each kind of committee gets a PDF of record in its own form (issue 13): letterhead, title,
presidency, numbering and adoption sentence read back with pdftotext."""

import datetime

import pytest

from reports import services
from reports.models import MinutesVersion
from sessions.models import Committee
from tests.factories import CoChairFactory, PersonFactory, SessionFactory
from tests.reports.conftest import pdf_text
from tests.utils import reviewed


def record(client, session, **adoption):
    """Submit the minutes, then validate them through the minutes page's form."""
    services.submit(services.minutes_for(session), session._secretariat)
    form = client.get(f"/reports/{session.pk}/").context["validate_form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(adoption, confirm="on", reviewed=reviewed(session))
    response = client.post(f"/reports/{session.pk}/validate/", data)
    assert response.status_code == 302, response.context["validate_form"].errors
    return MinutesVersion.objects.get(minutes__session=session)


def held(committee, secretariat, *, number, start, days=1, city, chairs):
    session = SessionFactory(
        committee=committee,
        number=number,
        start_date=start,
        end_date=start + datetime.timedelta(days=days - 1),
        city=city,
        venue="",
    )
    for name, capacity in chairs:
        first, last = name.split(" ", 1)
        CoChairFactory(
            session=session,
            person=PersonFactory(civility="M.", first_name=first, last_name=last),
            capacity=capacity,
        )
    session._secretariat = secretariat
    return session


@pytest.fixture
def client(login, coordinator):
    return login(coordinator)


def test_the_ctn_keeps_its_form(client, secretariat, tmp_path):
    ctn = Committee.objects.create(
        name="Comité Technique National",
        acronym="CTN",
        programme="Programme de Filets Sociaux « Jigisemejiri »",
        letterhead="MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL",
    )
    s18 = held(
        ctn,
        secretariat,
        number=18,
        start=datetime.date(2019, 9, 26),
        days=3,
        city="Ségou",
        chairs=[("Mahamadou Coulibaly", "Coordinateur"), ("Bakary Dembélé", "DRDSES")],
    )
    held(
        ctn,
        secretariat,
        number=19,
        start=datetime.date(2019, 12, 17),
        days=3,
        city="Kayes",
        chairs=[],
    )

    text = pdf_text(bytes(record(client, s18).pdf), tmp_path)

    for phrase in [
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


def test_a_regional_committee_meeting_in_niger_under_its_letterhead(client, secretariat, tmp_path):
    committee = Committee.objects.create(
        name="Comité Régional de Pilotage",
        acronym="CRP",
        programme="Projet régional d’appui aux filets sociaux adaptatifs",
        letterhead="MINISTÈRE DE L’ACTION HUMANITAIRE\nCELLULE FILETS SOCIAUX",
        state="RÉPUBLIQUE DU NIGER",
        motto="Fraternité – Travail – Progrès",
    )
    s4 = held(
        committee,
        secretariat,
        number=4,
        start=datetime.date(2022, 5, 10),
        days=2,
        city="Niamey",
        chairs=[("Issoufou Moussa", "Secrétaire général")],
    )
    held(
        committee,
        secretariat,
        number=5,
        start=datetime.date(2022, 11, 8),
        days=2,
        city="Dakar",
        chairs=[],
    )

    text = pdf_text(bytes(record(client, s4).pdf), tmp_path)

    assert "RÉPUBLIQUE DU NIGER" in text and "Fraternité – Travail – Progrès" in text
    assert "RÉPUBLIQUE DU MALI" not in text and "Un Peuple" not in text
    assert "Compte rendu de la 4ème session ordinaire du Comité Régional de Pilotage" in text
    assert "Adopté lors de la 5ème session ordinaire, le 8 novembre 2022" in text


def test_a_ministry_steering_committee_with_one_president_numbered_per_year(
    client, secretariat, tmp_path
):
    committee = Committee.objects.create(
        name="Comité de Pilotage",
        acronym="COPIL",
        letterhead="MINISTÈRE DU DÉVELOPPEMENT SOCIAL",
        presidency="president",
        numbering="yearly",
        document_title="record",
    )
    first = held(
        committee,
        secretariat,
        number=1,
        start=datetime.date(2024, 3, 14),
        city="Bamako",
        chairs=[("Oumar Diarra", "Secrétaire général")],
    )
    held(
        committee, secretariat, number=2, start=datetime.date(2024, 6, 20), city="Bamako", chairs=[]
    )

    text = pdf_text(bytes(record(client, first).pdf), tmp_path)

    assert (
        "Procès-verbal de la 1ère session ordinaire de l’année 2024 du Comité de Pilotage (COPIL)"
        in text
    )
    assert "La session a été présidée par :" in text
    assert "Le Président" in text and "co-président" not in text
    assert "Adopté lors de la 2ème session ordinaire de l’année 2024, le 20 juin 2024" in text
    assert "COPIL-1ère-session-ordinaire-2024-proces-verbal-v1 Page 1" in text


def test_a_bureau_whose_meetings_are_not_numbered(client, secretariat, tmp_path):
    committee = Committee.objects.create(
        name="Bureau du Comité",
        acronym="BUR",
        letterhead="UNITÉ TECHNIQUE DE GESTION",
        presidency="president",
        numbering="none",
        meeting_noun="meeting",
    )
    meeting = held(
        committee,
        secretariat,
        number=7,
        start=datetime.date(2015, 3, 12),
        city="Bamako",
        chairs=[("Modibo Keïta", "Président du bureau")],
    )

    version = record(client, meeting, adoption_mode="meeting", adopted_on="2015-04-02")
    text = pdf_text(bytes(version.pdf), tmp_path)

    assert "Compte rendu de la réunion du 12 mars 2015 du Bureau du Comité (BUR)" in text
    assert "Le Bureau du Comité s’est réuni le 12 mars 2015 à Bamako." in text
    assert "La réunion a été présidée par :" in text
    assert "7ème" not in text and "1ère" not in text
    assert version.filename == "BUR-reunion-2015-03-12-compte-rendu-v1.pdf"
    assert "Adopté lors d’une réunion extraordinaire hors session, le 2 avril 2015" in text


def test_a_commission_adopted_nine_months_later_by_written_procedure(client, secretariat, tmp_path):
    committee = Committee.objects.create(
        name="Commission nationale de ciblage",
        acronym="CNC",
        letterhead="MINISTÈRE DE LA SOLIDARITÉ",
        article="la",
        numbering="none",
    )
    meeting = held(
        committee,
        secretariat,
        number=1,
        start=datetime.date(2021, 3, 2),
        city="Mopti",
        chairs=[("Awa Traoré", "Présidente"), ("Ali Sow", "Vice")],
    )

    version = record(client, meeting, adoption_mode="written", adopted_on="2021-12-02")
    text = pdf_text(bytes(version.pdf), tmp_path)

    assert "Compte rendu de la session du 2 mars 2021 de la Commission nationale de ciblage" in text
    assert "La Commission nationale de ciblage s’est réunie le 2 mars 2021 à Mopti." in text
    assert "du Commission" not in text and "Le Commission" not in text
    assert "Adopté par procédure écrite le 2 décembre 2021." in text
