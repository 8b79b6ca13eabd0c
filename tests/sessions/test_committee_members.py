"""The members of a committee and their usual representatives: kept by the secretariat and
the coordinator, the start of each new session's attendance list."""

import pytest

from participants.models import Membership
from tests.factories import (
    CommitteeFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
)


def members_data(rows, initial=0, **extra):
    data = {
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(initial),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        **extra,
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"memberships-{index}-{name}"] = value
    return data


def url(committee):
    return f"/sessions/committees/{committee.pk}/members/"


@pytest.mark.parametrize("role", ["secretariat", "coordinator"])
def test_editors_record_the_members_and_their_representatives(db, login, request, role):
    committee = CommitteeFactory()
    pam = OrganizationFactory(acronym="PAM")
    traore = PersonFactory(first_name="Ousmane", last_name="Traoré", organization=pam)
    fao = OrganizationFactory(acronym="FAO")

    response = login(request.getfixturevalue(role)).post(
        url(committee),
        members_data(
            [
                {"organization": pam.pk, "representative": traore.pk},
                {"organization": fao.pk, "representative": ""},
                {"organization": "", "representative": ""},
            ],
            next=f"/sessions/{committee.pk}/attendance/",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/sessions/{committee.pk}/attendance/"
    assert list(
        Membership.objects.filter(committee=committee).values_list(
            "organization__acronym", "representative"
        )
    ) == [("FAO", None), ("PAM", traore.pk)]


def test_the_screen_lists_the_members(login, secretariat):
    member = MembershipFactory(organization__acronym="ANAM")

    response = login(secretariat).get(url(member.committee))

    assert response.status_code == 200
    formset = response.context["formset"]
    assert [form.instance for form in formset.forms if form.instance.pk] == [member]
    assert "Membres du comité" in response.content.decode()


def test_an_organization_twice_is_refused_in_french(login, secretariat):
    committee = CommitteeFactory()
    pam = OrganizationFactory(acronym="PAM")

    response = login(secretariat).post(
        url(committee),
        members_data([{"organization": pam.pk}, {"organization": pam.pk}]),
    )

    assert response.status_code == 400
    assert response.context["formset"].non_form_errors() == [
        "Cette structure est déjà membre du comité."
    ]
    assert not Membership.objects.exists()


def test_a_member_is_removed(login, coordinator):
    member = MembershipFactory()

    login(coordinator).post(
        url(member.committee),
        members_data(
            [
                {
                    "id": member.pk,
                    "organization": member.organization_id,
                    "representative": member.representative_id,
                    "DELETE": "on",
                }
            ],
            initial=1,
        ),
    )

    assert not Membership.objects.exists()


def test_a_next_address_elsewhere_is_ignored(login, secretariat):
    committee = CommitteeFactory()

    response = login(secretariat).post(
        url(committee), members_data([], next="https://evil.example/")
    )

    assert response["Location"] == url(committee)


def test_partner_gets_403_and_anonymous_the_login(login, partner, client):
    committee = CommitteeFactory()

    assert client.get(url(committee)).status_code == 302
    client = login(partner)
    assert client.get(url(committee)).status_code == 403
    assert client.post(url(committee), members_data([])).status_code == 403


def test_an_unknown_committee_is_a_404(login, secretariat, db):
    assert login(secretariat).get("/sessions/committees/999999/members/").status_code == 404
