"""The attendance list of a session: one screen for forty people over several days.

It starts from the committee's members (each organization's usual representative) when the
list is empty, can add the previous session's list, and ticks presence per day. Nothing is
saved until the clerk saves: the pre-filled rows are new rows of the form, and a pre-fill
asked while typing keeps what was typed (it is posted, and shown back with the rows added).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from participants.forms import QuickPersonForm
from participants.models import Attendance, Membership
from sessions import forms, locking
from sessions.views import SECTIONS, get_session_for_user, refuse_frozen, save_section

PREFILL_SOURCES = ("members", "previous")
TEMPLATE = "sessions/attendance_form.html"


@refuse_frozen
def attendance_edit(request, pk):
    session = get_session_for_user(request.user, pk, edit=True)
    section = SECTIONS["attendance"]
    if request.method != "POST":
        prefill = []
        if not session.attendances.exists():
            prefill = forms.people_to_prefill(session, "members")
        formset = forms.AttendanceFormSet(instance=session, prefill=prefill)
        return _render(request, session, section, formset, QuickPersonForm())

    data = request.POST
    source = data.get("_prefill")
    if source in PREFILL_SOURCES:
        return _prefill(request, session, section, source)

    formset = forms.AttendanceFormSet(data, instance=session)
    person_form = QuickPersonForm(data)
    adds_person = person_form.is_used
    response = save_section(
        request,
        session,
        section,
        formset,
        person_form,
        conflict=lambda: locking.edit_conflict(
            request,
            session,
            TEMPLATE,
            _context(session, section, formset, person_form, has_errors=False),
        ),
    )
    if response is not None:
        return response
    if not adds_person:
        person_form = QuickPersonForm()  # left empty: shown afresh, without errors
    has_errors = bool(formset.total_error_count() or (adds_person and person_form.errors))
    return _render(request, session, section, formset, person_form, has_errors=has_errors)


def _prefill(request, session, section, source):
    """The list as posted, with new rows for the people of `source` not on it yet; nothing
    saved. What was typed stays as typed (and is checked only when the list is saved)."""
    posted = forms.AttendanceFormSet(request.POST, instance=session)
    if not posted.management_form.is_valid():
        # A form that did not come from this screen: start again from the saved list.
        messages.error(request, _("The form was incomplete: it has been shown again."))
        return redirect(request.path)
    listed = posted.listed_person_ids() | set(session.attendances.values_list("person", flat=True))
    people = forms.people_to_prefill(session, source, exclude=listed)
    data = request.POST.copy()
    prefix, total = posted.prefix, posted.total_form_count()
    every_day = [str(number) for number in posted.day_numbers]

    def blank(index):
        return not any(
            data.get(f"{prefix}-{index}-{name}", "").strip()
            for name in ("id", "person", "represented_by")
        )

    def fill(index, person):
        data[f"{prefix}-{index}-person"] = str(person.pk) if person else ""
        data[f"{prefix}-{index}-status"] = Attendance.Status.PRESENT
        data.setlist(f"{prefix}-{index}-days", every_day)

    # The people go on the blank rows first, then on new rows, as many as the list holds;
    # a few blank rows stay at the end for whoever is still missing.
    free = [index for index in range(total) if blank(index)]
    room = len(free) + max(0, forms.MAX_ROWS[Attendance] - posted.total_form_count())
    added, dropped = people[:room], people[room:]
    for person in added:
        if free:
            fill(free.pop(0), person)
        else:
            fill(total, person)
            total += 1
    for _blank in range(max(0, forms.BaseAttendanceFormSet.BLANK_ROWS - len(free))):
        fill(total, None)
        total += 1
    data[f"{prefix}-TOTAL_FORMS"] = str(total)
    formset = forms.AttendanceFormSet(data, instance=session)
    if added:
        messages.info(
            request,
            _("%(count)s people added to the list: check them, then save.") % {"count": len(added)},
        )
    elif source == "previous" and forms.previous_session(session) is None:
        messages.info(request, _("This committee has no earlier session to copy from."))
    else:
        messages.info(request, _("Everyone is already on the list."))
    if dropped:
        messages.warning(
            request,
            _("%(count)s people could not be added: the list is full.") % {"count": len(dropped)},
        )
    return _render(
        request, session, section, formset, QuickPersonForm(), has_errors=False, show_errors=False
    )


def _context(session, section, formset, person_form, *, has_errors, show_errors=True):
    return {
        "session": session,
        "section": section,
        "sections": SECTIONS.values(),
        "formset": formset,
        "person_form": person_form,
        "has_errors": has_errors,
        "show_errors": show_errors,
        "previous_session": forms.previous_session(session),
        "has_members": Membership.objects.filter(committee_id=session.committee_id).exists(),
    }


def _render(request, session, section, formset, person_form, *, has_errors=False, **kwargs):
    context = _context(session, section, formset, person_form, has_errors=has_errors, **kwargs)
    return render(request, TEMPLATE, context)
