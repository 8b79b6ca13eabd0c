"""Build the benchmark's history: 200 quarterly sessions over 50 years, with bulk_create.

Each session has 30 agenda items, 40 interventions, 60 attendees, 20 recommendations (with a
follow-up each, when the FollowUp model exists), 5 expected results and 3 co-chairs. The
minutes of all sessions but the last two are validated. Content is written first and the minutes
marked validated last, because the freeze guards refuse writes under a validated session.

Text lengths vary with a fixed seed, so one session is the largest and every run builds the
same database.
"""

import datetime
import hashlib
import random

from django.apps import apps
from django.db import transaction
from django.utils import timezone

SEED = 18
PASSWORD = "bench-password-not-a-secret"

SENTENCES = [
    "Le comité a fait le point des activités d'achèvement du financement initial.",
    "La composante a présenté l'état de mise en œuvre des transferts monétaires.",
    "Les participants ont salué la régularité dans l'organisation trimestrielle des sessions.",
    "Le programme sera très prochainement dans les cercles de Macina et de Ségou.",
    "Les blocages majeurs rencontrés ont été examinés et des solutions ont été proposées.",
    "Les perspectives 2019-2023 du programme ont été partagées avec les partenaires.",
    "Les préparatifs de la rencontre annuelle de la COP 2020 ont été présentés.",
    "L'ANAM offre des soins aux bénéficiaires enregistrés dans le fichier du programme.",
    "Le Registre Social Unifié doit être alimenté par les données des ménages ciblés.",
    "Le PTBA de l'année suivante sera soumis à la validation du comité de pilotage.",
    "La Banque mondiale a rappelé les conditions de décaissement du financement additionnel.",
    "Le PAM et la FAO ont présenté leur collaboration dans le cadre du NEXUS.",
]


def _text(rng, low, high):
    """French filler of `low` to `high` sentences."""
    return " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(low, high)))


def _model(label):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def quarter_dates(count, last_year):
    """`count` sessions, one per quarter, ending in the last quarter of `last_year`."""
    first_year = last_year - count // 4 + 1
    for index in range(count):
        year, quarter = first_year + index // 4, index % 4
        start = datetime.date(year, 3 * quarter + 2, 20 + index % 5)
        yield start, start + datetime.timedelta(days=2)


def make_users():
    """One user per role; returns {role: user}."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    users = {}
    for role in ("secretariat", "coordinator", "partner"):
        user = User.objects.filter(username=f"bench-{role}").first()
        if user is None:
            user = User.objects.create_user(
                username=f"bench-{role}",
                password=PASSWORD,
                first_name="Bench",
                last_name=role.capitalize(),
            )
            user.groups.add(Group.objects.get(name=role))
        users[role] = user
    return users


@transaction.atomic
def build_history(
    sessions=200,
    agenda_items=30,
    interventions=40,
    attendees=60,
    recommendations=20,
    validated_all_but=2,
    pdf_bytes=b"%PDF-1.7 placeholder\n",
    last_year=None,
    acronym="CTN",
    directory=(40, 400),
):
    """Fill a migrated database with the history of one committee; returns what was built.

    Called again with another `acronym`, it adds a second committee (its own organizations and
    people) beside the first: the query-budget test grows the history that way. `pdf_bytes` is
    the PDF of record of the validated versions when reports.services cannot validate for real.
    """
    from participants.models import Attendance, Organization, Person
    from reports.models import Minutes
    from sessions.models import (
        AgendaItem,
        CoChair,
        Committee,
        ExpectedResult,
        Intervention,
        Recommendation,
        Session,
    )

    rng = random.Random(SEED)
    users = make_users()
    org_count, people_count = directory
    committee = Committee.objects.create(
        name=f"Comité Technique National {acronym}",
        acronym=acronym,
        programme="Programme de Filets Sociaux « Jigisemejiri »",
        letterhead="\n".join(
            [
                "MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL",
                "SECRÉTARIAT GÉNÉRAL",
                "UNITÉ TECHNIQUE DE GESTION DES FILETS SOCIAUX",
            ]
        ),
        cadence=Committee.Cadence.QUARTERLY,
    )
    organizations = Organization.objects.bulk_create(
        Organization(
            acronym=f"{acronym}-ORG{index:02d}",
            name=f"Organisation {index:02d} du programme ({acronym})",
            kind=Organization.Kind.TFP if index % 5 == 0 else Organization.Kind.GOVERNMENT,
            is_partner=index % 5 == 0,
        )
        for index in range(org_count)
    )
    people = Person.objects.bulk_create(
        Person(
            civility=rng.choice(["M.", "Mme", "Dr"]),
            first_name=f"Prénom{index}",
            last_name=f"NOM{index}",
            function="Chargé de suivi-évaluation",
            organization=organizations[index % len(organizations)],
            email=f"personne{index}@example.org",
            phone=f"+223 70 00 {index:04d}",
        )
        for index in range(people_count)
    )
    # The partner user belongs to a partner organization, as the portal expects.
    if not Person.objects.filter(user=users["partner"]).exists():
        partner_person = people[0]
        partner_person.user = users["partner"]
        partner_person.save(update_fields=["user"])

    today = timezone.localdate()
    last_year = last_year or today.year - 1
    session_rows = Session.objects.bulk_create(
        Session(
            committee=committee,
            kind=Session.Kind.ORDINARY,
            number=number,
            start_date=start,
            end_date=end,
            city=rng.choice(["Ségou", "Bamako", "Sikasso", "Kayes", "Mopti"]),
            venue="salle de conférence du gouvernorat",
            objective=_text(rng, 2, 5),
            opening_summary=_text(rng, 3, 8),
            closing_summary=_text(rng, 2, 5),
            highlights=_text(rng, 1, 4),
            status=Session.Status.HELD,
        )
        for number, (start, end) in enumerate(quarter_dates(sessions, last_year), start=1)
    )

    Rapporteurs = Session.rapporteurs.through
    Rapporteurs.objects.bulk_create(
        Rapporteurs(session_id=session.pk, person_id=people[(index * 3 + k) % people_count].pk)
        for index, session in enumerate(session_rows)
        for k in range(2)
    )
    CoChair.objects.bulk_create(
        CoChair(
            session=session,
            person=people[(index * 5 + k + 100) % people_count],
            capacity="Coprésident",
            order=k,
        )
        for index, session in enumerate(session_rows)
        for k in range(3)
    )
    text_volume = {}
    items = []
    for session in session_rows:
        for order in range(agenda_items):
            summary = _text(rng, 2, 8)
            text_volume[session.pk] = text_volume.get(session.pk, 0) + len(summary)
            items.append(
                AgendaItem(
                    session=session,
                    order=order,
                    title=f"Présentation de la composante {order + 1}",
                    presenter=people[rng.randrange(people_count)],
                    summary=summary,
                )
            )
    items = AgendaItem.objects.bulk_create(items, batch_size=2000)
    items_by_session = {}
    for item in items:
        items_by_session.setdefault(item.session_id, []).append(item)

    rows = []
    for session in session_rows:
        for order in range(interventions):
            if order < 3:
                moment, item = Intervention.Moment.OPENING, None
            elif order >= interventions - 2:
                moment, item = Intervention.Moment.CLOSING, None
            else:
                moment = Intervention.Moment.AGENDA
                item = items_by_session[session.pk][order % agenda_items]
            summary = _text(rng, 1, 6)
            text_volume[session.pk] += len(summary)
            rows.append(
                Intervention(
                    session=session,
                    agenda_item=item,
                    order=order,
                    moment=moment,
                    speaker=people[rng.randrange(people_count)] if order % 4 else None,
                    speaker_label="" if order % 4 else "le représentant du gouverneur",
                    summary=summary,
                    quote=_text(rng, 0, 2),
                )
            )
    Intervention.objects.bulk_create(rows, batch_size=2000)

    ExpectedResult.objects.bulk_create(
        (
            ExpectedResult(
                session=session,
                order=order,
                description=_text(rng, 1, 2),
                status=ExpectedResult.Status.ACHIEVED,
            )
            for session in session_rows
            for order in range(5)
        ),
        batch_size=2000,
    )

    rows = []
    for session in session_rows:
        for order in range(recommendations):
            text = _text(rng, 1, 3)
            text_volume[session.pk] += len(text)
            rows.append(
                Recommendation(
                    session=session,
                    order=order,
                    kind=(
                        Recommendation.Kind.BLOCKER
                        if order % 5 == 4
                        else Recommendation.Kind.RECOMMENDATION
                    ),
                    text=text,
                    solution=_text(rng, 1, 2) if order % 5 == 4 else "",
                    responsible=organizations[rng.randrange(org_count)],
                    due_date=session.end_date + datetime.timedelta(days=90),
                    status=rng.choice(["open", "in_progress", "done"]),
                )
            )
    recommendation_rows = Recommendation.objects.bulk_create(rows, batch_size=2000)

    Attendance.objects.bulk_create(
        (
            Attendance(
                session=session,
                person=people[(index * 7 + k) % people_count],
                status=Attendance.Status.PRESENT if k % 10 else Attendance.Status.EXCUSED,
            )
            for index, session in enumerate(session_rows)
            for k in range(attendees)
        ),
        batch_size=5000,
    )

    follow_ups = _build_follow_ups(session_rows, recommendation_rows, users)

    # Minutes last: validating freezes the sessions above. The largest session is validated
    # through the real workflow (its PDF of record is a real render); the other versions reuse
    # those bytes, since rendering 198 large PDFs would take most of the time budget.
    validated_count = sessions - validated_all_but
    largest = max(session_rows[:validated_count], key=lambda s: (text_volume[s.pk], s.pk))
    minutes_rows = Minutes.objects.bulk_create(
        Minutes(
            session=session,
            status=(
                Minutes.Status.VALIDATED
                if index < validated_count and session.pk != largest.pk
                else Minutes.Status.SUBMITTED
                if index <= validated_count
                else Minutes.Status.DRAFT
            ),
        )
        for index, session in enumerate(session_rows)
    )
    pdf_of_record = _validate_for_real(minutes_rows, largest, users)
    versions = _build_versions(
        minutes_rows,
        session_rows,
        validated_count,
        users,
        pdf_of_record or pdf_bytes,
        skip=largest.pk,
    )

    Recommendation = _model("ctn_sessions.Recommendation")
    if hasattr(Recommendation.objects, "refresh_follow_ups"):
        # The minutes were bulk-created (no signal): point at the latest follow-ups now.
        Recommendation.objects.all().refresh_follow_ups()

    return {
        "sessions": len(session_rows),
        "validated": validated_count,
        "agenda_items": len(items),
        "interventions": sessions * interventions,
        "attendances": sessions * attendees,
        "recommendations": len(recommendation_rows),
        "follow_ups": follow_ups,
        "versions": versions,
        "real_pdf_bytes": len(pdf_of_record) if pdf_of_record else None,
        "largest_session_pk": largest.pk,
        "first_session_pk": session_rows[0].pk,
        "latest_session_pk": session_rows[-1].pk,
        "users": {role: user.pk for role, user in users.items()},
    }


def _build_follow_ups(session_rows, recommendation_rows, users):
    """One follow-up per recommendation, recorded at the next session, if the model exists."""
    FollowUp = _model("ctn_sessions.FollowUp") or _model("reports.FollowUp")
    if FollowUp is None:
        return None
    fields = {field.name for field in FollowUp._meta.get_fields()}
    next_session = {a.pk: b for a, b in zip(session_rows, session_rows[1:], strict=False)}
    rows = []
    for recommendation in recommendation_rows:
        during = next_session.get(recommendation.session_id)
        if during is None:
            continue
        values = {"recommendation": recommendation}
        if "session" in fields:
            values["session"] = during
        if "status" in fields:
            values["status"] = recommendation.status
        for name in ("note", "comment"):
            if name in fields:
                values[name] = "Point de mise en œuvre présenté à la session suivante."
        rows.append(FollowUp(**values))
    FollowUp.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _validate_for_real(minutes_rows, largest, users):
    """Validate the largest session's minutes with reports.services.validate; its PDF bytes."""
    try:
        from reports.services import validate
    except ImportError:
        return None
    minutes = next(row for row in minutes_rows if row.session_id == largest.pk)
    version = validate(minutes, users["coordinator"])
    return bytes(version.pdf)


def _build_versions(minutes_rows, session_rows, validated_count, users, pdf_bytes, skip=None):
    """The validated version (PDF of record), its history and some downloads, if they exist."""
    MinutesVersion = _model("reports.MinutesVersion")
    if MinutesVersion is None:
        return None
    MinutesEvent = _model("reports.MinutesEvent")
    Download = _model("reports.Download")
    digest = hashlib.sha256(pdf_bytes).hexdigest()
    coordinator = users["coordinator"]
    versions = []
    for index, minutes in enumerate(minutes_rows[:validated_count]):
        if minutes.session_id == skip:
            continue
        at = timezone.make_aware(
            datetime.datetime.combine(session_rows[index + 1].start_date, datetime.time(10))
        )
        version = MinutesVersion(
            minutes=minutes,
            number=1,
            pdf=pdf_bytes,
            sha256=digest,
            content_sha256=digest,
            size=len(pdf_bytes),
            validated_at=at,
            validated_by=coordinator,
            validated_during=session_rows[index + 1],
            outcome="validated",
        )
        if hasattr(version, "adoption_mode"):
            # Adopted during the next session, on its first day.
            version.adoption_mode = "session"
            version.adopted_on = session_rows[index + 1].start_date
        versions.append(version)
    versions = MinutesVersion.objects.bulk_create(versions, batch_size=50)
    if MinutesEvent is not None:
        events = []
        for version in versions:
            for action, source, target in (
                ("submit", "draft", "submitted"),
                ("validate", "submitted", "validated"),
            ):
                events.append(
                    MinutesEvent(
                        minutes_id=version.minutes_id,
                        action=action,
                        from_status=source,
                        to_status=target,
                        version=1,
                        actor=coordinator,
                        at=version.validated_at,
                        during=version.validated_during if action == "validate" else None,
                    )
                )
        MinutesEvent.objects.bulk_create(events, batch_size=2000)
    if Download is not None:
        Download.objects.bulk_create(
            (
                Download(version=version, user=users["partner"])
                for version in versions
                for _ in range(20)
            ),
            batch_size=5000,
        )
    return len(versions)
