import datetime
import shutil
import subprocess

import pytest

from participants.models import Attendance, Organization
from reports import services
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CoChairFactory,
    CommitteeFactory,
    ExpectedResultFactory,
    InterventionFactory,
    OrganizationFactory,
    PersonFactory,
    RecommendationFactory,
    SessionFactory,
)

LETTERHEAD = (
    "MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL\n"
    "SECRÉTARIAT GÉNÉRAL\n"
    "UNITÉ TECHNIQUE DE GESTION DES FILETS SOCIAUX"
)


@pytest.fixture
def committee(db):
    return CommitteeFactory(letterhead=LETTERHEAD)


def build_session(committee, number, start, days=3, **fields):
    """A held ordinary session of `committee` with a little of everything recorded under it."""
    session = SessionFactory(
        committee=committee,
        number=number,
        start_date=start,
        end_date=start + datetime.timedelta(days=days - 1),
        city="Ségou",
        venue="salle Kalanblo du Motel Savane",
        **fields,
    )
    return session


@pytest.fixture
def session_17(committee):
    session = build_session(
        committee,
        17,
        datetime.date(2019, 6, 26),
        objective="Faire le point des activités du deuxième trimestre.",
    )
    AgendaItemFactory(session=session, title="Point de la mise en œuvre des activités")
    RecommendationFactory(
        session=session,
        text="Transmettre le rapport financier du FA1 aux partenaires",
        responsible=OrganizationFactory(acronym="UTGFS", name="Unité Technique de Gestion"),
    )
    return session


@pytest.fixture
def session_18(committee, session_17):
    """The 18th session as the reference report tells it (Ségou, 26-28 September 2019)."""
    session = build_session(
        committee,
        18,
        datetime.date(2019, 9, 26),
        objective=(
            "Faire le point des activités d’achèvement du financement initial et dégager le niveau "
            "de mise en œuvre des nouveaux financements."
        ),
        opening_summary="Le représentant du gouverneur de la région de Ségou a ouvert la session.",
        closing_summary="Le coordinateur a clos la session.",
        highlights="La session a été marquée par un match de football entre le CTN et la CCR.",
    )
    anam = OrganizationFactory(
        acronym="ANAM",
        name="Agence Nationale d’Assistance Médicale",
        kind=Organization.Kind.AGENCY,
    )
    pam = OrganizationFactory(
        acronym="PAM", name="Programme Alimentaire Mondial", kind=Organization.Kind.TFP
    )
    coordinator = PersonFactory(
        civility="M.", first_name="Mahamadou", last_name="Coulibaly", function="Coordinateur"
    )
    drdses = PersonFactory(
        civility="M.", first_name="Bakary", last_name="Dembélé", function="DRDSES de Ségou"
    )
    dnpses = PersonFactory(civility="Mme", first_name="Awa", last_name="Keïta", function="DNPSES")
    tangara = PersonFactory(
        civility="Dr", first_name="Hassane", last_name="Tangara", organization=anam
    )
    rapporteur = PersonFactory(
        civility="M.", first_name="Issa", last_name="Sangaré", function="Chargé de communication"
    )
    CoChairFactory(session=session, person=coordinator, capacity="Coordinateur du programme")
    CoChairFactory(session=session, person=drdses, capacity="DRDSES de Ségou")
    CoChairFactory(session=session, person=dnpses, capacity="DNPSES")
    session.rapporteurs.add(rapporteur)
    items = [
        AgendaItemFactory(
            session=session, title="Examen et validation du compte rendu de la 17ème session"
        ),
        AgendaItemFactory(session=session, title="Situation des activités de clôture du FA1"),
        AgendaItemFactory(session=session, title="Perspectives 2019-2023 du programme"),
    ]
    InterventionFactory(
        session=session,
        moment="opening",
        speaker_label="Le représentant du gouverneur de la région de Ségou",
        summary="A salué la régularité des sessions trimestrielles du CTN.",
    )
    InterventionFactory(
        session=session,
        agenda_item=items[1],
        speaker=tangara,
        speaker_label="",
        summary="A expliqué la collaboration entre Jigisemejiri et l’ANAM.",
        quote="Nous offrons des soins aux bénéficiaires de Jigisemejiri.",
    )
    ExpectedResultFactory(
        session=session, description="Le compte rendu de la 17ème session du CTN est validé"
    )
    ExpectedResultFactory(
        session=session, description="Les perspectives 2019-2023 du programme sont partagées"
    )
    RecommendationFactory(
        session=session,
        text="Partager le plan de travail et budget annuel avec les partenaires",
        responsible=pam,
        due_date=datetime.date(2019, 12, 31),
    )
    RecommendationFactory(
        session=session,
        kind="blocker",
        text="Retard des paiements dans le cercle de Tominian",
        solution="Mobiliser un second opérateur de paiement",
        responsible=anam,
    )
    for person in (coordinator, drdses, dnpses, tangara, rapporteur):
        AttendanceFactory(session=session, person=person)
    AttendanceFactory(
        session=session,
        person=PersonFactory(first_name="Fatou", last_name="Traoré", organization=pam),
        status=Attendance.Status.EXCUSED,
    )
    return session


@pytest.fixture
def submitted_18(session_18, secretariat):
    minutes = services.minutes_for(session_18)
    return services.submit(minutes, secretariat)


@pytest.fixture
def validated_17(session_17, session_18, secretariat, coordinator):
    """The 17th session's minutes validated during the 18th session."""
    minutes = services.submit(services.minutes_for(session_17), secretariat)
    services.validate(minutes, coordinator, validated_during=session_18)
    minutes.refresh_from_db()
    return minutes


def pdf_text(pdf_bytes, tmp_path):
    """The text of a PDF as pdftotext extracts it, with whitespace collapsed."""
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed"
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf_bytes)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return " ".join(out.split())
