"""Load the demo: the 18th ordinary session of the CTN as the programme reported it.

Everything comes from ../shared/domain/ctn-18e-session-ordinaire.txt except what is marked as demo
(DEMO_MARK): the 17th session's content and the names of people the text does not name.
Idempotent: a session that already exists is left as it is, so a second run changes nothing.
"""

import datetime
import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify

from participants.models import Attendance, Membership, Organization, Person
from reports.models import Minutes
from sessions.models import (
    AgendaItem,
    CoChair,
    Committee,
    ExpectedResult,
    FollowUp,
    Intervention,
    Recommendation,
    Session,
    SessionFrozen,
    Tag,
)

DEMO_MARK = "(démo)"

LETTERHEAD = "\n".join(
    [
        "MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL",
        "SECRÉTARIAT GÉNÉRAL",
        "UNITÉ TECHNIQUE DE GESTION DES FILETS SOCIAUX",
    ]
)

ORGANIZATIONS = [
    # acronym, name, kind, is_partner
    ("UTGFS", "Unité Technique de Gestion des Filets Sociaux", "government", False),
    (
        "DNPSES",
        "Direction Nationale de la Protection Sociale et de l'Économie Solidaire",
        "government",
        False,
    ),
    (
        "DRDSES Ségou",
        "Direction Régionale du Développement Social et de l'Économie Solidaire de Ségou",
        "government",
        False,
    ),
    ("Gouvernorat Ségou", "Gouvernorat de la région de Ségou", "government", False),
    ("ANAM", "Agence Nationale d'Assistance Médicale", "agency", True),
    ("PAM", "Programme Alimentaire Mondial", "tfp", True),
    ("FAO", "Organisation des Nations Unies pour l'alimentation et l'agriculture", "tfp", True),
    ("Banque mondiale", "Banque mondiale", "tfp", True),
]

# key: civility, first name, last name, function, organization; names not in the text are demo.
PEOPLE = {
    "coordinator": (
        "M.",
        "Mamadou",
        f"KEITA {DEMO_MARK}",
        "Coordinateur du programme Jigisemejiri",
        "UTGFS",
    ),
    "drdses": (
        "M.",
        "Boubacar",
        f"SANGARÉ {DEMO_MARK}",
        "Directeur Régional du Développement Social et de l'Économie Solidaire de Ségou",
        "DRDSES Ségou",
    ),
    "dnpses": (
        "Mme",
        "Aminata",
        f"DIALLO {DEMO_MARK}",
        "Directrice Nationale de la Protection Sociale et de l'Économie Solidaire",
        "DNPSES",
    ),
    "tangara": ("Dr", "Hassane", "TANGARA", "Représentant de l'ANAM", "ANAM"),
    "rapporteur": (
        "Mme",
        "Awa",
        f"COULIBALY {DEMO_MARK}",
        "Chargée de suivi-évaluation, rapporteur",
        "UTGFS",
    ),
    "pam": ("M.", "Ousmane", f"TRAORÉ {DEMO_MARK}", "Chargé de programme", "PAM"),
    "fao": ("Mme", "Mariam", f"DEMBÉLÉ {DEMO_MARK}", "Chargée de programme", "FAO"),
    "bm": (
        "M.",
        "Seydou",
        f"KONÉ {DEMO_MARK}",
        "Spécialiste de la protection sociale",
        "Banque mondiale",
    ),
}

OBJECTIVE = (
    "Faire le point des activités d'achèvement du financement initial et dégager le niveau de "
    "mise en œuvre des nouveaux financements ainsi que des diverses collaborations en cours. "
    "Elle marque la fin des premiers financements et le démarrage du nouveau financement de la "
    "deuxième phase du programme."
)

OPENING = (
    "A la cérémonie d'ouverture de la session, le représentant du gouverneur de la région de "
    "Ségou dans son discours, a salué la régularité dans l'organisation trimestrielle des "
    "sessions du CTN du programme. Il a aussi indiqué que le programme sera très prochainement "
    "dans le cercle de Macina et Ségou en plus des cercles de Bla, Tominian et Baraouéli."
)

COORDINATOR_QUOTE = (
    "notamment le travail mené par le programme par composante. De voir l'état de mise en œuvre "
    "des différents financements prévus sur la période 2019 – 2022. Et ensuite faire le point de "
    "certains aspects de collaboration que nous avons avec les différents partenaires, qui sont "
    "le PAM, la FAO, la Banque mondiale et ceux qui ont suivi financièrement le programme sur la "
    "période de quatre années."
)

ANAM_QUOTE = (
    "Nous avons un apport dans la mise en œuvre du programme. C'est vrai, Jigisemejiri est un "
    "programme de lutte contre la pauvreté, et nous intervenons dans le cadre de la protection "
    "sociale. Nous offrons des soins aux bénéficiaires de jigisemejiri, qui sont enregistrés dans "
    "le fichier de jigisemejiri. Et nous exploitons ce fichier pour pouvoir immatriculer au "
    "niveau de notre structure."
)

# The five expected results of the 18th session, all reached ("atteints dans l'ensemble").
RESULTS_18 = [
    "Le compte rendu de la 17ème session du CTN a été validé",
    "La situation des activités de clôture des financements (FA1) a été présentée et les "
    "solutions ont été prodiguées sur les blocages majeurs rencontrés",
    "Les perspectives 2019-2023 du programme ont été partagées",
    "Les préparatifs de la rencontre annuelle de la COP 2020 ont été partagés",
    "Les acteurs ont été informés sur les processus de NEXUS, le Socle de protection Sociale, "
    "la Protection Sociale Adaptative et le RSU",
]

AGENDA_18 = [
    # title, kind
    ("Examen et validation du compte rendu de la session précédente", "validation"),
    (
        "Situation des activités de clôture des financements (FA1) et blocages majeurs",
        "presentation",
    ),
    ("Perspectives 2019-2023 du programme", "presentation"),
    ("Préparatifs de la rencontre annuelle de la COP 2020", "information"),
    (
        "Information sur les processus de NEXUS, le Socle de protection Sociale, la Protection "
        "Sociale Adaptative et le RSU",
        "information",
    ),
]


TAGS = [
    ("component", "Transferts monétaires"),
    ("component", "Mesures d'accompagnement"),
    ("financing", "Don IDA"),
    ("financing", "FA1"),
    ("financing", "Budget national"),
    ("partner", "PAM"),
    ("partner", "ANAM"),
    ("partner", "Banque mondiale"),
]
# (words of an agenda item's title, tag); (words of a recommendation's text, tag)
ITEM_TAGS = [
    ("financements", ("financing", "FA1")),
    ("financements 2019", ("financing", "Don IDA")),
    ("transferts monétaires", ("component", "Transferts monétaires")),
    ("Perspectives", ("partner", "Banque mondiale")),
]
RECOMMENDATION_TAGS = [
    ("PAM", ("partner", "PAM")),
    ("PAM", ("component", "Transferts monétaires")),
    ("ANAM", ("partner", "ANAM")),
    ("FA1", ("financing", "FA1")),
]
# The follow-up, at the 18th session, of the 17th session's three recommendations.
FOLLOW_UPS_18 = [
    (
        FollowUp.Status.DONE,
        f"La liste des ménages de Bla et Tominian a été transmise au PAM en août {DEMO_MARK}.",
    ),
    (
        FollowUp.Status.IN_PROGRESS,
        f"Le fichier est en cours de mise en forme avec l'ANAM {DEMO_MARK}.",
    ),
    (
        FollowUp.Status.IN_PROGRESS,
        f"Le rapport de clôture du FA1 est en cours de rédaction {DEMO_MARK}.",
    ),
]


class Command(BaseCommand):
    help = "Load the demo of the 18th ordinary session of the CTN (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        orgs = {
            acronym: Organization.objects.update_or_create(
                acronym=acronym, defaults={"name": name, "kind": kind, "is_partner": partner}
            )[0]
            for acronym, name, kind, partner in ORGANIZATIONS
        }
        people = {}
        for key, (civility, first, last, function, acronym) in PEOPLE.items():
            people[key], _created = Person.objects.get_or_create(
                first_name=first,
                last_name=last,
                defaults={
                    "civility": civility,
                    "function": function,
                    "organization": orgs[acronym],
                },
            )
        committee, _created = Committee.objects.get_or_create(
            acronym="CTN",
            defaults={
                "name": "Comité Technique National",
                "programme": "Programme de Filets Sociaux « Jigisemejiri »",
                "letterhead": LETTERHEAD,
                "cadence": Committee.Cadence.QUARTERLY,
            },
        )
        self._members(committee, people, orgs)
        s17 = self._session_17(committee, people, orgs)
        s18 = self._session_18(committee, people)
        self._tags_and_follow_up(s17, s18)
        self._session_19(committee)
        self._users(people, orgs)
        self.stdout.write(
            self.style.SUCCESS(f"Demo ready: {s17} and {s18} of {committee.acronym}.")
        )

    def _members(self, committee, people, orgs):
        """The CTN's members and their usual representatives: the 19th session's attendance
        list starts from them."""
        for key in ("coordinator", "dnpses", "drdses", "tangara", "pam", "fao", "bm"):
            person = people[key]
            Membership.objects.get_or_create(
                committee=committee,
                organization=orgs[person.organization.acronym],
                defaults={"representative": person},
            )

    def _session_19(self, committee):
        """The next session, planned in Kayes: the 18th's minutes are adopted during it, and the
        validation form proposes its first day (17 December 2019) as the date of adoption."""
        Session.objects.get_or_create(
            committee=committee,
            kind=Session.Kind.ORDINARY,
            number=19,
            defaults={
                "start_date": datetime.date(2019, 12, 17),
                "end_date": datetime.date(2019, 12, 19),
                "city": "Kayes",
                "objective": "Faire le point des activités du quatrième trimestre 2019.",
                "status": Session.Status.PLANNED,
            },
        )

    def _session_18(self, committee, people):
        session = Session.objects.filter(committee=committee, kind="ordinary", number=18).first()
        if session is not None:
            return session
        session = Session.objects.create(
            committee=committee,
            kind=Session.Kind.ORDINARY,
            number=18,
            start_date=datetime.date(2019, 9, 26),
            end_date=datetime.date(2019, 9, 28),
            city="Ségou",
            venue="salle Kalanblo du Motel Savane",
            objective=OBJECTIVE,
            opening_summary=OPENING,
            closing_summary="",
            highlights="La session a été marquée par un match de football qui a opposé la CTN "
            "et la CCR.",
            status=Session.Status.HELD,
        )
        session.rapporteurs.set([people["rapporteur"]])
        for order, (key, capacity) in enumerate(
            [
                ("coordinator", "Coordinateur du programme « Jigisemejiri »"),
                (
                    "drdses",
                    "Directeur Régional du Développement Social et de l'Économie Solidaire de "
                    "Ségou (DRDSES)",
                ),
                (
                    "dnpses",
                    "Directeur National de la Protection Sociale et de l'Économie Solidaire "
                    "(DNPSES)",
                ),
            ],
            start=1,
        ):
            CoChair.objects.create(
                session=session, person=people[key], capacity=capacity, order=order
            )
        items = [
            AgendaItem.objects.create(session=session, order=order, title=title, kind=kind)
            for order, (title, kind) in enumerate(AGENDA_18, start=1)
        ]
        Intervention.objects.create(
            session=session,
            order=1,
            moment=Intervention.Moment.OPENING,
            speaker_label="le représentant du gouverneur de la région de Ségou",
            # The speech itself is the session's opening_summary; no need to print it twice.
            summary="Discours d'ouverture de la session.",
        )
        Intervention.objects.create(
            session=session,
            order=2,
            moment=Intervention.Moment.OPENING,
            speaker=people["coordinator"],
            summary="Le coordinateur de Jigisemejiri a rappelé que cette session a été "
            "l'occasion de faire le point des activités.",
            quote=COORDINATOR_QUOTE,
        )
        Intervention.objects.create(
            session=session,
            order=3,
            moment=Intervention.Moment.AGENDA,
            agenda_item=items[1],
            speaker=people["tangara"],
            summary="L'Agence Nationale d'Assistance Médicale (ANAM) représentée par Dr Hassane "
            "TANGARA a expliqué la collaboration entre Jigisemejiri et l'ANAM.",
            quote=ANAM_QUOTE,
        )
        for order, description in enumerate(RESULTS_18, start=1):
            ExpectedResult.objects.create(
                session=session,
                order=order,
                description=description,
                status=ExpectedResult.Status.ACHIEVED,
            )
        for key in ("coordinator", "drdses", "dnpses", "tangara", "rapporteur", "pam", "fao", "bm"):
            Attendance.objects.create(session=session, person=people[key])
        Minutes.objects.get_or_create(session=session)
        return session

    def _session_17(self, committee, people, orgs):
        """The 17th session, three months earlier: its content is demo, its minutes submitted."""
        session = Session.objects.filter(committee=committee, kind="ordinary", number=17).first()
        if session is not None:
            return session
        session = Session.objects.create(
            committee=committee,
            kind=Session.Kind.ORDINARY,
            number=17,
            start_date=datetime.date(2019, 6, 27),
            end_date=datetime.date(2019, 6, 28),
            city="Bamako",
            venue=f"salle de réunion de l'UTGFS {DEMO_MARK}",
            objective=f"Faire le point trimestriel de la mise en œuvre du programme {DEMO_MARK}.",
            status=Session.Status.HELD,
        )
        session.rapporteurs.set([people["rapporteur"]])
        CoChair.objects.create(
            session=session,
            person=people["coordinator"],
            capacity="Coordinateur du programme « Jigisemejiri »",
            order=1,
        )
        CoChair.objects.create(
            session=session,
            person=people["dnpses"],
            capacity="Directeur National de la Protection Sociale et de l'Économie Solidaire "
            "(DNPSES)",
            order=2,
        )
        for order, title in enumerate(
            [
                f"Situation des financements 2019–2022 {DEMO_MARK}",
                f"Point de mise en œuvre des transferts monétaires {DEMO_MARK}",
            ],
            start=1,
        ):
            AgendaItem.objects.create(session=session, order=order, title=title)
        ExpectedResult.objects.create(
            session=session,
            order=1,
            description=f"La situation des financements a été présentée {DEMO_MARK}",
            status=ExpectedResult.Status.ACHIEVED,
        )
        for order, (text, acronym, due) in enumerate(
            [
                (
                    f"Transmettre au PAM la liste des ménages bénéficiaires des cercles de Bla et "
                    f"Tominian {DEMO_MARK}",
                    "UTGFS",
                    datetime.date(2019, 8, 31),
                ),
                (
                    f"Partager avec l'ANAM le fichier des bénéficiaires pour l'immatriculation "
                    f"{DEMO_MARK}",
                    "UTGFS",
                    datetime.date(2019, 9, 15),
                ),
                (
                    f"Préparer le rapport de clôture du financement additionnel FA1 {DEMO_MARK}",
                    "UTGFS",
                    datetime.date(2019, 12, 31),
                ),
            ],
            start=1,
        ):
            Recommendation.objects.create(
                session=session, order=order, text=text, responsible=orgs[acronym], due_date=due
            )
        for key in ("coordinator", "dnpses", "rapporteur", "pam", "bm"):
            Attendance.objects.create(session=session, person=people[key])
        Minutes.objects.get_or_create(session=session, defaults={"status": "submitted"})
        return session

    def _tags_and_follow_up(self, s17, s18):
        """Tags on the two sessions' items, and the 17th session's recommendations followed up
        at the 18th. Left alone when already there, or when a session is frozen meanwhile."""
        tags = {
            (kind, name): Tag.objects.get_or_create(
                kind=kind, name=name, defaults={"slug": slugify(name)}
            )[0]
            for kind, name in TAGS
        }
        recommendations = list(s17.recommendations.order_by("order", "pk"))
        items = list(s17.agenda_items.order_by("order", "pk")) + list(
            s18.agenda_items.order_by("order", "pk")
        )
        try:
            for item in items:
                names = [tag for needle, tag in ITEM_TAGS if needle in item.title]
                if names and not item.tags.exists():
                    item.tags.set([tags[name] for name in names])
            for recommendation in recommendations:
                names = [
                    tag for needle, tag in RECOMMENDATION_TAGS if needle in recommendation.text
                ]
                if names and not recommendation.tags.exists():
                    recommendation.tags.set([tags[name] for name in names])
            if not s18.follow_ups.exists():
                FollowUp.objects.bulk_create(
                    FollowUp(recommendation=recommendation, session=s18, status=status, note=note)
                    for recommendation, (status, note) in zip(
                        recommendations, FOLLOW_UPS_18, strict=False
                    )
                )
        except SessionFrozen:
            self.stdout.write(
                self.style.WARNING("A demo session is frozen: its tags and follow-up are kept.")
            )

    def _users(self, people, orgs):
        """Demo accounts with the public demo password: only with DEBUG on."""
        if not settings.DEBUG:
            self.stdout.write(
                self.style.WARNING(
                    "DEBUG is off: demo accounts with a public password are refused. "
                    "Create real users with `manage.py create_user`."
                )
            )
            return
        password = os.environ.get("DEMO_PASSWORD", "ctn-demo-2019")
        User = get_user_model()
        accounts = [
            ("secretariat", "secretariat", "rapporteur", {}),
            ("coordinator", "coordinator", "coordinator", {}),
            ("partner", "partner", "pam", {}),
            ("admin", None, None, {"is_staff": True, "is_superuser": True}),
        ]
        for username, role, person_key, flags in accounts:
            user, _created = User.objects.get_or_create(username=username, defaults=flags)
            user.set_password(password)
            if person_key:
                person = people[person_key]
                user.first_name = person.first_name
                user.last_name = person.last_name.replace(DEMO_MARK, "").strip().title()
                if person.user_id is None:
                    person.user = user
                    person.save(update_fields=["user"])
            user.save()
            if role:
                user.groups.set([Group.objects.get(name=role)])
