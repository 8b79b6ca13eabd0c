from django.shortcuts import render

from participants.models import Organization, Person


def organization_list(request):
    return render(
        request,
        "participants/organization_list.html",
        {"organizations": Organization.objects.all()},
    )


def person_list(request):
    return render(
        request,
        "participants/person_list.html",
        {"people": Person.objects.select_related("organization")},
    )
