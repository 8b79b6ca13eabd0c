import hashlib

import pytest

from reports import services
from reports.models import Minutes, MinutesEvent, MinutesVersion
from sessions.models import ExpectedResult
from tests.factories import SessionFactory, UserFactory

REASON = "La liste de présence est incomplète."

ACTIONS = {
    "submit": lambda minutes, user: services.submit(minutes, user),
    "validate": lambda minutes, user: services.validate(minutes, user),
    "postpone": lambda minutes, user: services.validate(minutes, user, outcome="postponed"),
    "return": lambda minutes, user: services.return_to_draft(minutes, user, REASON),
    "erratum": lambda minutes, user: services.open_erratum(minutes, user, REASON),
}
# action: (state it starts from, state it leads to, roles allowed)
RULES = {
    "submit": ("draft", "submitted", {"secretariat", "coordinator"}),
    "validate": ("submitted", "validated", {"coordinator"}),
    "postpone": ("submitted", "submitted", {"coordinator"}),
    "return": ("submitted", "draft", {"coordinator"}),
    "erratum": ("validated", "draft", {"coordinator"}),
}
ROLES = ["secretariat", "coordinator", "partner", "no_role", "superuser"]
STATES = ["draft", "submitted", "validated"]


@pytest.fixture
def actors(secretariat, coordinator, partner, admin_user):
    return {
        "secretariat": secretariat,
        "coordinator": coordinator,
        "partner": partner,
        "no_role": UserFactory(username="someone"),
        "superuser": admin_user,
    }


def minutes_in_state(state, session, secretariat, coordinator):
    minutes = services.minutes_for(session)
    if state in ("submitted", "validated"):
        services.submit(minutes, secretariat)
    if state == "validated":
        services.validate(minutes, coordinator)
    minutes.refresh_from_db()
    return minutes


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition_is_allowed_only_to_its_roles_from_its_state(
    action, state, role, actors, session_17, secretariat, coordinator
):
    minutes = minutes_in_state(state, session_17, secretariat, coordinator)
    events_before = MinutesEvent.objects.count()
    source, target, roles = RULES[action]

    if state == source and role in roles:
        ACTIONS[action](minutes, actors[role])

        minutes.refresh_from_db()
        assert minutes.status == target
        event = MinutesEvent.objects.latest("pk")
        assert (event.action, event.from_status, event.to_status, event.actor) == (
            action,
            source,
            target,
            actors[role],
        )
        assert MinutesEvent.objects.count() == events_before + 1
    else:
        expected = services.MinutesPermissionDenied if role not in roles else services.MinutesError
        with pytest.raises(expected):
            ACTIONS[action](minutes, actors[role])

        minutes.refresh_from_db()
        assert minutes.status == state
        assert MinutesEvent.objects.count() == events_before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_can_methods_follow_the_same_rules(action, actors, session_17, secretariat, coordinator):
    minutes = minutes_in_state(RULES[action][0], session_17, secretariat, coordinator)

    allowed = {role for role in ROLES if minutes.can(action, actors[role])}

    assert allowed == RULES[action][2]


def test_allowed_actions_lists_what_the_coordinator_may_do_on_submitted_minutes(
    submitted_18, coordinator, secretariat
):
    assert submitted_18.allowed_actions(coordinator) == {"validate", "postpone", "return"}
    assert submitted_18.allowed_actions(secretariat) == set()
    assert submitted_18.can("validate", coordinator) and submitted_18.can("return", coordinator)
    assert not submitted_18.can("submit", coordinator)
    assert not submitted_18.can("erratum", coordinator)


def test_state_refusal_says_why_in_french(submitted_18, secretariat):
    with pytest.raises(services.MinutesError) as refused:
        services.submit(submitted_18, secretariat)

    assert str(refused.value.message) == (
        "Le compte rendu est à l’état « soumis » : cette action n’est pas possible maintenant."
    )


def test_role_refusal_says_why_in_french(submitted_18, secretariat):
    with pytest.raises(services.MinutesPermissionDenied) as refused:
        services.validate(submitted_18, secretariat)

    assert (
        str(refused.value.message) == "Votre rôle ne permet pas cette action sur le compte rendu."
    )


def test_validation_stores_the_pdf_its_hash_and_who_when_during(
    session_17, session_18, secretariat, coordinator
):
    minutes = services.submit(services.minutes_for(session_17), secretariat)

    version = services.validate(minutes, coordinator, validated_during=session_18)

    version.refresh_from_db()
    pdf = bytes(version.pdf)
    assert pdf.startswith(b"%PDF-")
    assert version.sha256 == hashlib.sha256(pdf).hexdigest()
    assert version.size == len(pdf)
    assert len(version.content_sha256) == 64
    assert version.content_sha256 != version.sha256
    assert (version.number, version.validated_by, version.validated_during, version.outcome) == (
        1,
        coordinator,
        session_18,
        "validated",
    )
    assert version.validated_at is not None
    assert version.superseded_at is None
    minutes.refresh_from_db()
    assert minutes.status == "validated"
    session_17.refresh_from_db()
    assert session_17.is_frozen is True
    event = minutes.events.latest("pk")
    assert (event.action, event.during) == ("validate", session_18)


def test_validation_during_the_next_session_ticks_its_expected_result(validated_17, session_18):
    result = session_18.expected_results.get(description__contains="17ème")

    assert result.status == ExpectedResult.Status.ACHIEVED
    assert session_18.expected_results.count() == 2


def test_validation_during_a_session_without_that_result_creates_it_achieved(
    session_17, secretariat, coordinator, committee
):
    session_18 = SessionFactory(committee=committee, number=18)
    minutes = services.submit(services.minutes_for(session_17), secretariat)

    services.validate(minutes, coordinator, validated_during=session_18)

    assert list(session_18.expected_results.values_list("description", "status")) == [
        ("Le compte rendu de la 17ème session ordinaire du CTN a été validé", "achieved")
    ]


def test_validation_subject_to_amendments_requires_them(submitted_18, coordinator):
    with pytest.raises(services.MinutesError) as refused:
        services.validate(submitted_18, coordinator, outcome="amended", amendments="  ")

    assert refused.value.message == "Indiquez les amendements dont la validation est assortie."
    submitted_18.refresh_from_db()
    assert submitted_18.status == "submitted"


def test_validation_subject_to_amendments_records_them(submitted_18, coordinator):
    version = services.validate(
        submitted_18, coordinator, outcome="amended", amendments="Corriger le nom du DNPSES."
    )

    assert (version.outcome, version.amendments) == ("amended", "Corriger le nom du DNPSES.")
    assert version.get_outcome_display() == "validé sous réserve d’amendements"


def test_postponement_leaves_the_minutes_submitted_and_is_recorded(
    session_17, session_18, secretariat, coordinator
):
    minutes = services.submit(services.minutes_for(session_17), secretariat)

    result = services.validate(
        minutes,
        coordinator,
        outcome="postponed",
        validated_during=session_18,
        amendments="Les annexes manquent.",
    )

    assert result is None
    minutes.refresh_from_db()
    assert minutes.status == "submitted"
    assert not MinutesVersion.objects.filter(minutes=minutes).exists()
    event = minutes.events.latest("pk")
    assert (event.action, event.from_status, event.to_status, event.during, event.comment) == (
        "postpone",
        "submitted",
        "submitted",
        session_18,
        "Les annexes manquent.",
    )
    result = session_18.expected_results.get(description__contains="17ème")
    assert result.status == ExpectedResult.Status.NOT_ACHIEVED


def test_validation_during_an_earlier_session_is_refused(
    session_17, session_18, secretariat, coordinator
):
    minutes = services.submit(services.minutes_for(session_18), secretariat)

    with pytest.raises(services.MinutesError) as refused:
        services.validate(minutes, coordinator, validated_during=session_17)

    assert refused.value.message == (
        "Le compte rendu ne peut être validé que lors d’une session ultérieure du même comité."
    )
    minutes.refresh_from_db()
    assert minutes.status == "submitted"


def test_return_to_draft_needs_a_reason_and_keeps_it(submitted_18, coordinator):
    with pytest.raises(services.MinutesError) as refused:
        services.return_to_draft(submitted_18, coordinator, "   ")
    assert refused.value.message == "Indiquez un motif."

    services.return_to_draft(submitted_18, coordinator, REASON)

    submitted_18.refresh_from_db()
    assert submitted_18.status == "draft"
    assert submitted_18.events.latest("pk").comment == REASON


def test_erratum_creates_version_2_supersedes_version_1_and_unfreezes_the_session(
    validated_17, session_17, coordinator
):
    v1 = validated_17.versions.get(number=1)
    v1_pdf = bytes(v1.pdf)

    v2 = services.open_erratum(validated_17, coordinator, "Nom du DRDSES mal orthographié.")

    validated_17.refresh_from_db()
    v1.refresh_from_db()
    assert (validated_17.status, validated_17.version) == ("draft", 2)
    assert v1.superseded_at is not None
    assert bytes(v1.pdf) == v1_pdf
    assert (v2.number, v2.erratum_reason, v2.erratum_opened_by, v2.validated_at) == (
        2,
        "Nom du DRDSES mal orthographié.",
        coordinator,
        None,
    )
    session_17.refresh_from_db()
    assert session_17.is_frozen is False
    session_17.venue = "salle de conférence du Gouvernorat"
    session_17.save()


def test_erratum_version_is_validated_with_its_own_pdf(
    validated_17, session_17, secretariat, coordinator
):
    services.open_erratum(validated_17, coordinator, "Nom du DRDSES mal orthographié.")
    services.submit(validated_17, secretariat)

    v2 = services.validate(validated_17, coordinator)

    versions = list(validated_17.versions.order_by("number"))
    assert [(v.number, v.is_validated, v.is_superseded) for v in versions] == [
        (1, True, True),
        (2, True, False),
    ]
    assert versions[0].sha256 != v2.sha256
    validated_17.refresh_from_db()
    assert validated_17.status == "validated"


def test_a_rendering_failure_changes_nothing(
    session_17, session_18, secretariat, coordinator, monkeypatch
):
    import weasyprint

    minutes = services.submit(services.minutes_for(session_17), secretariat)
    events_before = MinutesEvent.objects.count()
    results_before = list(session_18.expected_results.values_list("description", "status"))

    def broken_write_pdf(self, *args, **kwargs):
        raise OSError("Pango could not load a font")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken_write_pdf)

    with pytest.raises(services.MinutesError) as refused:
        services.validate(minutes, coordinator, validated_during=session_18)

    assert refused.value.message.startswith("Le PDF du compte rendu n’a pas pu être produit")
    minutes.refresh_from_db()
    assert minutes.status == "submitted"
    assert MinutesVersion.objects.count() == 0
    assert MinutesEvent.objects.count() == events_before
    assert list(session_18.expected_results.values_list("description", "status")) == results_before
    session_17.refresh_from_db()
    assert session_17.is_frozen is False


def test_minutes_status_choices_and_transitions_are_data():
    assert Minutes.TRANSITIONS[Minutes.Action.VALIDATE].sources == (Minutes.Status.SUBMITTED,)
    assert Minutes.TRANSITIONS[Minutes.Action.ERRATUM].reason_required is True


def test_download_is_logged(validated_17, partner):
    version = validated_17.versions.get()

    services.log_download(version, partner)

    assert list(version.downloads.values_list("user__username", flat=True)) == ["pam"]


@pytest.mark.parametrize(
    ("description", "number", "matches"),
    [
        ("Le compte rendu de la 17ème session du CTN est validé", 17, True),
        ("Le compte-rendu de la 17e session est validé", 17, True),
        ("Compte rendu de la 1ère session validé", 1, True),
        ("Le compte rendu de la 117ème session est validé", 17, False),
        ("Les perspectives 2019-2023 sont partagées", 17, False),
    ],
)
def test_the_review_result_is_recognised_by_its_wording(description, number, matches):
    assert services._is_review_result(description, number) is matches
