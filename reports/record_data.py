"""The structured content of a compte rendu of record, as JSON.

Built at validation from the very context the PDF of record is rendered from (reports/pdf.py,
no query of its own), embedded in that PDF/A-3 file as an associated file (relationship
"Data") and stored with the version (MinutesVersion.record_json), so that what a partner
downloads as JSON never drifts from the PDF it came with. Keys are English and stable
(SCHEMA names their version); the texts are the record's, in the committee's language.
"""

import json

from django.utils.translation import override

SCHEMA = "ctn-minutes/1"
# The attachment's name inside the PDF, and the downloaded file's suffix.
ATTACHMENT_NAME = "compte-rendu.json"


def _date(value):
    return value.isoformat() if value else None


def _person(person):
    if person is None:
        return None
    organization = person.organization
    return {
        "name": person.formal_name,
        "function": person.function,
        "organization": organization.acronym if organization is not None else "",
    }


def _intervention(intervention):
    return {
        "speaker": intervention.speaker_name,
        "summary": intervention.summary,
        "quote": intervention.quote,
    }


def _recommendation(recommendation):
    return {
        "order": recommendation.order,
        "kind": recommendation.kind,
        "text": recommendation.text,
        "solution": recommendation.solution,
        "responsible": recommendation.responsible_name,
        "due_date": _date(recommendation.due_date),
        "status": recommendation.status,
    }


def minutes_record_data(context):
    """The content of the compte rendu as plain data, from reports.pdf's context of record."""
    session = context["session"]
    committee = context["committee"]
    version = context["version"]
    validator = version.validated_by
    return {
        "schema": SCHEMA,
        "document": {
            "title": context["pdf_title"],
            "reference": version.reference,
            "version": version.number,
            "language": "fr",
        },
        "committee": {
            "name": committee.name,
            "acronym": committee.acronym,
            "programme": committee.programme,
        },
        "session": {
            "designation": context["designation"],
            "kind": session.kind,
            "number": session.number,
            "start_date": _date(session.start_date),
            "end_date": _date(session.end_date),
            "city": session.city,
            "venue": session.venue,
            "objective": session.objective,
            "highlights": session.highlights,
        },
        "presidency": [
            {**_person(cochair.person), "capacity": cochair.capacity}
            for cochair in context["cochairs"]
        ],
        "rapporteurs": [_person(person) for person in context["rapporteurs"]],
        "attendance": {
            "present_count": context["present_count"],
            "participants": [
                {
                    **_person(attendance.person),
                    "status": attendance.status,
                    "represented_by": attendance.represented_by,
                }
                for attendance in context["attendances"]
            ],
        },
        "agenda": [
            {
                "order": entry.item.order,
                "title": entry.item.title,
                "kind": entry.item.kind,
                "presenter": _person(entry.item.presenter),
                "summary": entry.item.summary,
                "interventions": [_intervention(i) for i in entry.interventions],
            }
            for entry in context["agenda"]
        ],
        "proceedings": {
            "opening_summary": session.opening_summary,
            "opening": [_intervention(i) for i in context["opening_interventions"]],
            "other": [_intervention(i) for i in context["unplaced_interventions"]],
            "closing": [_intervention(i) for i in context["closing_interventions"]],
            "closing_summary": session.closing_summary,
        },
        "expected_results": {
            "assessment": str(context["assessment"]) if context["assessment"] else "",
            "results": [
                {
                    "order": result.order,
                    "description": result.description,
                    "status": result.status,
                    "comment": result.comment,
                }
                for result in context["results"]
            ],
        },
        "recommendations": [_recommendation(r) for r in context["recommendations"]],
        "blockers": [_recommendation(r) for r in context["blockers"]],
        "follow_ups": [
            {
                "recommendation": {
                    "session": str(follow_up.recommendation.session),
                    **_recommendation(follow_up.recommendation),
                },
                "status": follow_up.status,
                "note": follow_up.note,
            }
            for follow_up in context["follow_ups"]
        ],
        "adoption": {
            "outcome": version.outcome,
            "amendments": version.amendments,
            "mode": version.adoption_mode,
            "adopted_on": _date(version.adopted_on),
            "during": context["adopted_during"] or None,
            "validated_at": version.validated_at.isoformat() if version.validated_at else None,
            "validated_by": (validator.get_full_name() or validator.get_username())
            if validator is not None
            else None,
        },
    }


def minutes_record_json(context):
    """minutes_record_data as the JSON text of record (UTF-8, keys in a fixed order)."""
    with override("fr"):
        data = minutes_record_data(context)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
