"""A validated compte rendu freezes its session: model, queryset, form, view and admin refuse."""

import datetime

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction

from ctn.freeze import FreezeGuardedModel, FrozenSessionAdminMixin, SessionFrozen
from participants.models import Attendance
from reports import services
from sessions.models import (
    AgendaItem,
    CoChair,
    ExpectedResult,
    Intervention,
    Recommendation,
    Session,
)
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CoChairFactory,
    ExpectedResultFactory,
    InterventionFactory,
    PersonFactory,
    RecommendationFactory,
)

FROZEN_MESSAGE = (
    "Le compte rendu de cette session est validé : elle ne peut plus être modifiée. "
    "Le coordinateur peut ouvrir un erratum."
)
CHILD_MODELS = [CoChair, AgendaItem, Intervention, ExpectedResult, Recommendation, Attendance]
FACTORIES = {
    CoChair: CoChairFactory,
    AgendaItem: AgendaItemFactory,
    Intervention: InterventionFactory,
    ExpectedResult: ExpectedResultFactory,
    Recommendation: RecommendationFactory,
    Attendance: AttendanceFactory,
}
# A field of each model that holds recorded text, to try to change.
TEXT_FIELD = {
    CoChair: "capacity",
    AgendaItem: "title",
    Intervention: "summary",
    ExpectedResult: "description",
    Recommendation: "text",
    Attendance: "represented_by",
}


@pytest.fixture
def frozen(session_17, session_18, secretariat, coordinator):
    """The 17th session with one row of each kind, its minutes validated during the 18th."""
    for model in CHILD_MODELS:
        one_of(model, session_17)
    minutes = services.submit(services.minutes_for(session_17), secretariat)
    services.validate(minutes, coordinator, validated_during=session_18)
    session_17.refresh_from_db()
    return session_17


def one_of(model, session):
    return model.objects.filter(session=session).first() or FACTORIES[model](session=session)


def test_validated_minutes_freeze_the_session(frozen):
    assert frozen.is_frozen is True
    with pytest.raises(SessionFrozen):
        frozen.ensure_editable()


def test_session_frozen_is_a_permission_refusal_with_a_french_message():
    error = SessionFrozen()

    assert isinstance(error, PermissionDenied)
    assert str(error.message) == FROZEN_MESSAGE


def test_saving_a_frozen_session_is_refused(frozen):
    frozen.venue = "ailleurs"

    with pytest.raises(SessionFrozen):
        frozen.save()

    frozen.refresh_from_db()
    assert frozen.venue == "salle Kalanblo du Motel Savane"


def test_deleting_a_frozen_session_is_refused(frozen):
    with pytest.raises(SessionFrozen):
        frozen.delete()

    assert Session.objects.filter(pk=frozen.pk).exists()


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_saving_a_row_of_a_frozen_session_is_refused(model, frozen):
    row = model.objects.filter(session=frozen).first()
    field = TEXT_FIELD[model]
    before = getattr(row, field)
    setattr(row, field, "changé après validation")

    with pytest.raises(SessionFrozen):
        row.save()

    row.refresh_from_db()
    assert getattr(row, field) == before


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_deleting_or_adding_a_row_of_a_frozen_session_is_refused(model, frozen):
    row = one_of(model, frozen)

    with pytest.raises(SessionFrozen):
        row.delete()
    with pytest.raises(SessionFrozen):
        FACTORIES[model](session=frozen)

    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_queryset_update_and_delete_refuse_rows_of_a_frozen_session(model, frozen, session_18):
    one_of(model, frozen)
    one_of(model, session_18)
    count = model.objects.count()
    field = TEXT_FIELD[model]

    with pytest.raises(SessionFrozen):
        model.objects.update(**{field: "changé en masse"})
    with pytest.raises(SessionFrozen):
        model.objects.filter(session=frozen).delete()
    with pytest.raises(SessionFrozen):
        model.objects.all().delete()

    assert model.objects.count() == count
    assert not model.objects.filter(**{field: "changé en masse"}).exists()
    # Rows of an open session still change in bulk.
    assert model.objects.filter(session=session_18).update(**{field: "ouvert"}) >= 1


def test_bulk_create_into_a_frozen_session_is_refused(frozen):
    with pytest.raises(SessionFrozen):
        AgendaItem.objects.bulk_create([AgendaItem(session=frozen, title="Point ajouté")])

    assert not AgendaItem.objects.filter(title="Point ajouté").exists()


def test_session_queryset_update_and_delete_refuse_frozen_sessions(frozen, session_18):
    with pytest.raises(SessionFrozen):
        Session.objects.update(city="Bamako")
    with pytest.raises(SessionFrozen):
        Session.objects.filter(pk=frozen.pk).delete()

    assert Session.objects.filter(pk=session_18.pk).update(city="Bamako") == 1
    frozen.refresh_from_db()
    assert frozen.city == "Ségou"


def test_moving_a_row_into_or_out_of_a_frozen_session_is_refused(frozen, session_18):
    open_item = AgendaItemFactory(session=session_18)
    frozen_item = one_of(AgendaItem, frozen)

    open_item.session = frozen
    with pytest.raises(SessionFrozen):
        open_item.save()
    frozen_item.session = session_18
    with pytest.raises(SessionFrozen):
        frozen_item.save()

    assert AgendaItem.objects.get(pk=frozen_item.pk).session_id == frozen.pk


def test_rapporteurs_of_a_frozen_session_cannot_change(frozen):
    person = PersonFactory()

    # The related manager writes inside its own atomic block: each refusal rolls it back.
    with pytest.raises(SessionFrozen), transaction.atomic():
        frozen.rapporteurs.add(person)
    with pytest.raises(SessionFrozen), transaction.atomic():
        person.reported_sessions.add(frozen)
    with pytest.raises(SessionFrozen), transaction.atomic():
        frozen.rapporteurs.clear()

    assert list(frozen.rapporteurs.all()) == []


def test_rapporteurs_of_an_open_session_change(session_18):
    person = PersonFactory()

    session_18.rapporteurs.add(person)

    assert person in session_18.rapporteurs.all()


def test_follow_up_status_of_a_frozen_recommendation_changes_through_its_path(frozen):
    recommendation = frozen.recommendations.get()

    recommendation.set_follow_up_status(Recommendation.Status.DONE)
    Recommendation.objects.filter(pk=recommendation.pk).update(status="in_progress")

    recommendation.refresh_from_db()
    assert recommendation.status == "in_progress"


def test_a_frozen_recommendation_saved_with_only_its_status_changed_is_accepted(frozen):
    recommendation = frozen.recommendations.get()
    recommendation.status = Recommendation.Status.DONE

    recommendation.save()

    recommendation.refresh_from_db()
    assert recommendation.status == "done"


def test_the_text_of_a_frozen_recommendation_stays(frozen):
    recommendation = frozen.recommendations.get()
    recommendation.text = "Autre texte"
    recommendation.status = Recommendation.Status.DONE

    with pytest.raises(SessionFrozen):
        recommendation.save()
    with pytest.raises(SessionFrozen):
        Recommendation.objects.filter(pk=recommendation.pk).update(text="Autre", status="done")

    recommendation.refresh_from_db()
    assert (recommendation.text, recommendation.status) == (
        "Transmettre le rapport financier du FA1 aux partenaires",
        "open",
    )


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["title", "summary"]


class RecommendationStatusForm(forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = ["status"]


def test_a_model_form_on_a_frozen_row_shows_the_refusal_as_a_form_error(frozen):
    item = one_of(AgendaItem, frozen)

    form = AgendaItemForm({"title": "Nouveau titre", "summary": ""}, instance=item)

    assert form.is_valid() is False
    assert form.non_field_errors() == [FROZEN_MESSAGE]


def test_a_model_form_adding_to_a_frozen_session_shows_the_refusal(frozen):
    form = AgendaItemForm(
        {"title": "Point ajouté", "summary": ""}, instance=AgendaItem(session=frozen)
    )

    assert form.is_valid() is False
    assert form.non_field_errors() == [FROZEN_MESSAGE]


def test_a_follow_up_form_on_a_frozen_recommendation_is_valid(frozen):
    recommendation = frozen.recommendations.get()

    form = RecommendationStatusForm({"status": "done"}, instance=recommendation)

    assert form.is_valid(), form.errors
    form.save()
    recommendation.refresh_from_db()
    assert recommendation.status == "done"


def test_an_erratum_makes_the_session_editable_again_until_the_next_validation(
    frozen, secretariat, coordinator
):
    minutes = frozen.minutes
    services.open_erratum(minutes, coordinator, "Erreur sur le lieu.")
    frozen.refresh_from_db()
    frozen.venue = "salle du Gouvernorat"
    frozen.save()
    AgendaItemFactory(session=frozen, title="Point ajouté par erratum")

    services.submit(minutes, secretariat)
    services.validate(minutes, coordinator)

    frozen.refresh_from_db()
    assert frozen.is_frozen is True
    with pytest.raises(SessionFrozen):
        AgendaItemFactory(session=frozen, title="Trop tard")


def test_admin_of_every_guarded_model_uses_the_freeze_mixin():
    guarded = [model for model in admin.site._registry if issubclass(model, FreezeGuardedModel)]
    inlines = [
        inline
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
        if issubclass(inline.model, FreezeGuardedModel)
    ]

    assert sorted(m.__name__ for m in guarded) == sorted(
        ["Session", *[m.__name__ for m in CHILD_MODELS]]
    )
    assert all(isinstance(admin.site._registry[m], FrozenSessionAdminMixin) for m in guarded)
    assert all(issubclass(inline, FrozenSessionAdminMixin) for inline in inlines)


def test_admin_shows_a_frozen_session_read_only_with_the_reason(login, admin_user, frozen):
    client = login(admin_user)

    response = client.get(f"/admin/ctn_sessions/session/{frozen.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert FROZEN_MESSAGE.replace("’", "&#x27;") in content or FROZEN_MESSAGE in content
    assert 'name="_save"' not in content
    assert 'name="city"' not in content


def test_admin_refuses_to_change_or_delete_a_frozen_session(login, admin_user, frozen):
    client = login(admin_user)

    change = client.post(f"/admin/ctn_sessions/session/{frozen.pk}/change/", {"city": "Bamako"})
    delete = client.post(f"/admin/ctn_sessions/session/{frozen.pk}/delete/", {"post": "yes"})

    assert (change.status_code, delete.status_code) == (403, 403)
    frozen.refresh_from_db()
    assert frozen.city == "Ségou"


def test_admin_refuses_to_change_a_row_of_a_frozen_session(login, admin_user, frozen):
    client = login(admin_user)
    item = one_of(AgendaItem, frozen)

    response = client.post(
        f"/admin/ctn_sessions/agendaitem/{item.pk}/change/",
        {"session": frozen.pk, "title": "Changé", "order": 0, "kind": "presentation"},
    )

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.title != "Changé"


def test_admin_cannot_add_a_row_to_a_frozen_session(login, admin_user, frozen):
    client = login(admin_user)

    response = client.post(
        "/admin/ctn_sessions/agendaitem/add/",
        {"session": frozen.pk, "title": "Ajouté", "order": 0, "kind": "presentation"},
    )

    assert response.status_code == 200
    assert FROZEN_MESSAGE in response.content.decode().replace("&#x27;", "’")
    assert not AgendaItem.objects.filter(title="Ajouté").exists()


def test_admin_bulk_delete_lists_frozen_rows_as_protected(login, admin_user, frozen, session_18):
    client = login(admin_user)
    frozen_item = one_of(AgendaItem, frozen)
    open_item = one_of(AgendaItem, session_18)

    response = client.post(
        "/admin/ctn_sessions/agendaitem/",
        {
            "action": "delete_selected",
            "_selected_action": [frozen_item.pk, open_item.pk],
            "post": "yes",
        },
    )

    assert response.status_code == 200
    assert FROZEN_MESSAGE in response.content.decode().replace("&#x27;", "’")
    assert AgendaItem.objects.filter(pk__in=[frozen_item.pk, open_item.pk]).count() == 2


def test_a_view_that_lets_session_frozen_escape_answers_403_not_500(frozen, rf, coordinator):
    from django.core.handlers.exception import response_for_exception

    request = rf.post("/")
    request.user = coordinator

    response = response_for_exception(request, SessionFrozen(frozen))

    assert response.status_code == 403


def test_the_date_guard_does_not_touch_open_sessions(session_18):
    session_18.end_date = datetime.date(2019, 9, 29)

    session_18.save()

    session_18.refresh_from_db()
    assert session_18.end_date == datetime.date(2019, 9, 29)
