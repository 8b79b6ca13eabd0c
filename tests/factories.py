import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from ctn.roles import sync_role_permissions
from participants.models import Attendance, Membership, Organization, Person
from sessions.models import (
    AgendaItem,
    CoChair,
    Committee,
    ExpectedResult,
    Intervention,
    Recommendation,
    Session,
)

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):  # noqa: N805
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            group = Group.objects.filter(name=extracted).first()
            if group is None:
                # A transactional test (live_server…) flushed the groups of the data migration.
                sync_role_permissions()
                group = Group.objects.get(name=extracted)
            obj.groups.add(group)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.LazyAttribute(lambda org: f"Organisation {org.acronym}")
    kind = Organization.Kind.GOVERNMENT


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    civility = Person.Civility.MR
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    function = "Chargé de suivi"
    organization = factory.SubFactory(OrganizationFactory)


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee
        django_get_or_create = ("acronym",)

    name = "Comité Technique National"
    acronym = "CTN"
    programme = "Programme de Filets Sociaux « Jigisemejiri »"
    letterhead = "MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL\nUnité Technique de Gestion"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    committee = factory.SubFactory(CommitteeFactory)
    kind = Session.Kind.ORDINARY
    number = factory.Sequence(lambda n: n + 1)
    start_date = datetime.date(2019, 9, 26)
    end_date = datetime.date(2019, 9, 28)
    city = "Ségou"
    venue = "salle Kalanblo du Motel Savane"
    objective = "Faire le point des activités."
    status = Session.Status.HELD


class CoChairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoChair

    session = factory.SubFactory(SessionFactory)
    person = factory.SubFactory(PersonFactory)
    capacity = "Coordinateur"
    order = factory.Sequence(int)


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    session = factory.SubFactory(SessionFactory)
    order = factory.Sequence(int)
    title = factory.Sequence(lambda n: f"Point {n} de l'ordre du jour")


class InterventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intervention

    session = factory.SubFactory(SessionFactory)
    speaker_label = "le représentant du gouverneur"
    summary = "A salué la régularité des sessions."


class ExpectedResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpectedResult

    session = factory.SubFactory(SessionFactory)
    order = factory.Sequence(int)
    description = factory.Sequence(lambda n: f"Résultat attendu {n}")
    status = ExpectedResult.Status.ACHIEVED


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    session = factory.SubFactory(SessionFactory)
    order = factory.Sequence(int)
    text = factory.Sequence(lambda n: f"Recommandation {n}")
    responsible = factory.SubFactory(OrganizationFactory)
    due_date = datetime.date(2019, 12, 31)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(SessionFactory)
    person = factory.SubFactory(PersonFactory)
    status = Attendance.Status.PRESENT


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    committee = factory.SubFactory(CommitteeFactory)
    organization = factory.SubFactory(OrganizationFactory)
    representative = factory.SubFactory(
        PersonFactory, organization=factory.SelfAttribute("..organization")
    )
