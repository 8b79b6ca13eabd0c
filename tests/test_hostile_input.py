"""Hostile input: generated data thrown at every form of the project through its real view.

The forms are discovered in the apps' forms modules; a form without a screen in FORM_SCREENS
(or a note saying which formset carries it) fails `test_every_form_is_thrown_hostile_input`.

For each screen, Hypothesis builds what a browser would post (the form as the page offers it)
and replaces a few fields with long strings, control characters, HTML and script, SQL-looking
text, right-to-left text, emoji, dates at the edges and huge numbers. Each example asserts:

- no server error (the test client raises it);
- either the data is accepted (a redirect) or the page comes back with errors, each of them in
  French (no message of Django's or of the project's English catalogue);
- every HTML page shown (the form again, or the page the redirect leads to) escapes what was
  typed: no markup from the input survives;
- for a sample of what was saved, the draft PDF prints the markup as literal text.

Every example runs in a transaction rolled back at its end, so each starts from the same world.
"""

import datetime
import hashlib
import importlib
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import django
import pytest
from django import forms
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms.formsets import BaseFormSet
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from reports.models import Minutes, MinutesVersion
from sessions.models import Tag
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
    UserFactory,
)

FORM_MODULES = ["sessions.forms", "participants.forms", "reports.forms"]

# --- what is thrown -------------------------------------------------------------------------------

MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><script>alert(2)</script>",
    "<b>gras</b> & <i>italique</i>",
    '<a href="javascript:alert(1)">lien</a>',
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="http://169.254.169.254/latest/meta-data/">',
]
# What must never reach a page as markup: the tags the MARKUP above would open.
RAW_MARKUP = re.compile(
    r"<script>alert|<img src=x|<img src=\"file|<b>gras|<i>italique|<a href=\"javascript"
    r"|<link rel=\"stylesheet\" href=\"http",
    re.IGNORECASE,
)
TEMPLATE_AND_FORMAT = ["{{ request.user }}", "{% debug %}", "%(session)s %s %d %%", "{0} {}"]
SQL = [
    "' OR '1'='1",
    "'; DROP TABLE ctn_sessions_session; --",
    "1); SELECT pg_sleep(10); --",
    "\\'; UNION SELECT password FROM auth_user --",
]
RTL = ["مرحبا بالعالم", "שלום עולם", "\u202eexe.fdp\u202c", "abc\u200fdéf\u200e", "ⵜⴰⵎⴰⵣⵉⵖⵜ"]
EMOJI = ["😀👍🏽", "👨‍👩‍👧‍👦", "🇲🇱", "\U0001f4a9" * 40, "e\u0301\u0301\u0301"]
CONTROL = ["\x00", "nul\x00here", "\x07\x08\x1b[31mred", "\r\n\r\n", "\t\x0b\x0c", "\x7f\x85\x9f"]

texts = st.one_of(
    st.sampled_from(MARKUP),
    st.sampled_from(TEMPLATE_AND_FORMAT + SQL + RTL + EMOJI + CONTROL),
    # long strings, with and without spaces
    st.builds(
        lambda piece, count: piece * count,
        st.sampled_from(["a", "é", "😀", "<b>", "mot ", "\u202e"]),
        st.integers(min_value=200, max_value=10_000),
    ),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=20),
    st.lists(st.sampled_from(MARKUP + SQL + RTL + EMOJI + CONTROL), max_size=5).map(" ".join),
)
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [str(10**30), "-1", "0", "1e400", "NaN", "inf", "-0", "١٢", " 7 ", "3.5", "0x10", "", "+"]
    ),
    texts,
)
dates = st.one_of(
    st.dates().map(datetime.date.isoformat),
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "0000-00-00",
            "2019-02-30",
            "2019-13-01",
            "10000-01-01",
            "-001-01-01",
            "31/12/2019",
            "2019-09-26T25:61",
            "٢٠١٩-٠٩-٢٦",
            "",
        ]
    ),
    texts,
)
BAD_KEYS = ["0", "-1", "99999999999999999999999", "1.5", "abc", "1 OR 1=1", ""]


def raw_values(field_obj):
    """What a hostile client may send for one field."""
    if isinstance(field_obj, forms.BooleanField):
        return st.sampled_from(["on", "", "false", "0", "\x00"]) | texts
    if isinstance(field_obj, forms.DateField):
        return dates
    if isinstance(field_obj, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return numbers
    if isinstance(field_obj, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        return st.lists(choice_values(field_obj), max_size=4)
    if isinstance(field_obj, forms.ChoiceField | forms.ModelChoiceField):
        return choice_values(field_obj)
    return texts


def is_free_text(field_obj):
    return (
        isinstance(field_obj, forms.CharField)
        and not isinstance(field_obj, forms.EmailField | forms.SlugField)
        and not isinstance(field_obj.widget, forms.HiddenInput)
    )


def choice_values(field_obj):
    valid = [str(value) for value, _label in field_obj.choices if str(value)]
    pool = valid + BAD_KEYS
    return st.sampled_from(pool) | texts if pool else texts


# --- the world ------------------------------------------------------------------------------------


def build_world():
    """Editors, a partner, and sessions whose minutes are a draft, submitted and validated."""
    users = {
        "partner": UserFactory(username="pam", role="partner"),
        "secretariat": UserFactory(username="awa", role="secretariat"),
        "coordinator": UserFactory(username="coordo", role="coordinator"),
    }
    committee = CommitteeFactory()
    organization = OrganizationFactory(acronym="PAM", is_partner=True)
    person = PersonFactory(organization=organization, email="fatou@example.org")
    tag, _created = Tag.objects.get_or_create(kind=Tag.Kind.COMPONENT, name="Entrées hostiles")
    world = {
        "committee": committee,
        "organization": organization,
        "person": person,
        "tag": tag,
        **users,
    }
    for key, number, start in [
        ("validated", 16, datetime.date(2019, 3, 26)),
        ("submitted", 17, datetime.date(2019, 6, 26)),
        ("draft", 18, datetime.date(2019, 9, 26)),
    ]:
        session = SessionFactory(
            committee=committee,
            number=number,
            start_date=start,
            end_date=start + datetime.timedelta(days=2),
            objective="Faire le point des activités.",
        )
        item = AgendaItemFactory(session=session, summary="Présentation du PTBA.")
        CoChairFactory(session=session, person=person)
        InterventionFactory(session=session, agenda_item=item, speaker=person)
        ExpectedResultFactory(session=session)
        RecommendationFactory(session=session, responsible=organization)
        AttendanceFactory(session=session, person=person)
        world[key] = session
        world[f"{key}_item"] = item
    Minutes.objects.create(session=world["draft"])
    Minutes.objects.create(session=world["submitted"], status=Minutes.Status.SUBMITTED)
    validated = Minutes.objects.create(session=world["validated"], status=Minutes.Status.VALIDATED)
    pdf = b"%PDF-1.7\n% hostile input\n%%EOF\n"
    MinutesVersion.objects.create(
        minutes=validated,
        number=1,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        validated_at=timezone.now(),
        validated_by=users["coordinator"],
        outcome=MinutesVersion.Outcome.VALIDATED,
        adoption_mode=MinutesVersion.AdoptionMode.WRITTEN,
        adopted_on=timezone.localdate(),
    )
    return world


# --- the screens each form is posted through ------------------------------------------------------


@dataclass(frozen=True)
class Screen:
    """A page showing forms (`forms`: their names in its context) and where they are posted.

    `page` and `action` are URL names with `kwargs` naming objects of the world; `action`
    defaults to `page`. `base` fills what the page leaves empty so that the untouched form
    would be accepted; `printed` are the fields the minutes print (checked in the PDF). A GET
    screen (filters, search) always answers 200, with its errors if any.
    """

    page: str
    forms: tuple
    kwargs: dict = field(default_factory=dict)
    action: str = ""
    role: str = "secretariat"
    base: dict = field(default_factory=dict)
    printed: tuple = ()
    session: str = "draft"  # whose draft PDF prints what was saved
    examples: int = 60
    method: str = "POST"
    accepted: int = 302  # the status of accepted input: saved and sent on, or a page (200)
    upload: str = ""  # the name of a file field, posted with a valid file unless mutated
    fields: tuple = ()  # for a page without a form class: the query parameters it reads
    # Other outputs of what was saved, read after each accepted input (URL names taking the pk
    # of the session `session`).
    outputs: tuple = ()

    @property
    def id(self):
        return f"{self.action or self.page}:{'+'.join(self.forms)}"


SECTION_PRINTED = {
    "cochairs": ("capacity",),
    "agenda": ("title", "summary"),
    "interventions": ("summary", "quote"),  # the speaker is a person: no free-text label
    "results": ("description", "comment"),
    "recommendations": ("text", "solution", "responsible_label"),
    "attendance": ("represented_by",),
}
SESSION_PRINTED = ("city", "venue", "objective", "opening_summary", "closing_summary", "highlights")


# The spreadsheets of a session: what was saved must export too (XML refuses some characters).
EXPORTS = ("sessions:recommendations_xlsx", "sessions:attendance_xlsx")


def section(slug, formset, examples=60):
    return Screen(
        f"sessions:{slug}",
        ("formset", "person_form") if slug in ("cochairs", "attendance") else ("formset",),
        kwargs={"pk": "draft"},
        printed=SECTION_PRINTED[slug],
        examples=examples,
        outputs=EXPORTS,
    )


FORM_SCREENS = {
    "SessionForm": [
        Screen(
            "sessions:create",
            ("form",),
            base={
                "committee": "committee",
                "kind": "ordinary",
                "number": "40",
                "start_date": "2020-03-24",
                "end_date": "2020-03-26",
                "city": "Ségou",
                "status": "planned",
            },
            examples=40,
        ),
        Screen("sessions:edit", ("form",), kwargs={"pk": "draft"}, printed=SESSION_PRINTED),
    ],
    "CoChairFormSet": [section("cochairs", "CoChairFormSet")],
    "AgendaItemFormSet": [section("agenda", "AgendaItemFormSet")],
    "InterventionFormSet": [section("interventions", "InterventionFormSet")],
    "ExpectedResultFormSet": [section("results", "ExpectedResultFormSet")],
    "RecommendationFormSet": [section("recommendations", "RecommendationFormSet")],
    "AttendanceFormSet": [section("attendance", "AttendanceFormSet")],
    "OrganizationForm": [
        Screen(
            "participants:organization_create",
            ("form",),
            base={"acronym": "ANAM", "name": "Agence", "kind": "agency"},
            examples=40,
        ),
        Screen(
            "participants:organization_edit",
            ("form",),
            kwargs={"pk": "organization"},
            outputs=EXPORTS,
        ),
    ],
    "PersonForm": [
        Screen(
            "participants:person_create",
            ("form",),
            base={"first_name": "Hassane", "last_name": "Tangara"},
            examples=40,
        ),
        Screen("participants:person_edit", ("form",), kwargs={"pk": "person"}, outputs=EXPORTS),
    ],
    "ValidateForm": [
        Screen(
            "reports:detail",
            ("validate_form",),
            kwargs={"session_pk": "submitted"},
            action="reports:validate",
            role="coordinator",
            base={"outcome": "postponed"},
            examples=60,
        )
    ],
    "ReasonForm": [
        Screen(
            "reports:detail",
            ("return_form",),
            kwargs={"session_pk": "submitted"},
            action="reports:return",
            role="coordinator",
            base={"reason": "Compléter la liste de présence."},
            examples=40,
        ),
        Screen(
            "reports:detail",
            ("erratum_form",),
            kwargs={"session_pk": "validated"},
            action="reports:erratum",
            role="coordinator",
            base={"reason": "Corriger le nom d'un participant."},
            examples=40,
        ),
    ],
    "VerifyForm": [
        Screen(
            "reports:verify",
            ("form",),
            role="anonymous",
            base={"sha256": "0" * 64},
            accepted=200,
            upload="file",
        )
    ],
    "OriginalScanForm": [
        Screen(
            "reports:detail",
            ("scan_form",),
            kwargs={"session_pk": "draft"},
            action="reports:original",
            upload="file",
            examples=30,
        )
    ],
    "AnnexForm": [
        Screen(
            "sessions:annexes",
            ("form",),
            kwargs={"pk": "draft"},
            base={"title": "PTBA 2020"},
            upload="file",
        )
    ],
    "CommitteeForm": [
        Screen(
            "sessions:committee_create",
            ("form",),
            role="coordinator",
            base={
                "name": "Comité de Pilotage",
                "acronym": "COPIL",
                "article": "le",
                "presidency": "president",
                "numbering": "yearly",
                "document_title": "record",
                "meeting_noun": "session",
                "cadence": "quarterly",
            },
            examples=30,
        ),
        Screen(
            "sessions:committee_edit",
            ("form",),
            role="coordinator",
            kwargs={"pk": "committee"},
            examples=30,
        ),
    ],
    "MembershipFormSet": [
        Screen("sessions:committee_members", ("formset",), kwargs={"pk": "committee"}),
    ],
    "TagForm": [
        Screen("sessions:tag_create", ("form",), base={"kind": "component", "name": "FA1"}),
        Screen("sessions:tag_edit", ("form",), kwargs={"pk": "tag"}),
    ],
    "FollowUpFormSet": [
        Screen(
            "sessions:followups",
            ("formset",),
            kwargs={"pk": "draft"},
            printed=("note",),
            outputs=EXPORTS,
        )
    ],
    "ProfileForm": [Screen("profile", ("form",), role="partner", examples=30)],
    "SessionFilterForm": [
        Screen("sessions:list", ("filter_form",), method="GET", accepted=200, examples=50)
    ],
    "RecommendationFilterForm": [
        Screen(
            "sessions:recommendation_list",
            ("filter_form",),
            method="GET",
            accepted=200,
            examples=50,
        )
    ],
}
# Pages that read their input without a form class.
OTHER_SCREENS = [
    Screen("search", (), method="GET", accepted=200, fields=("q", "tag", "page"), examples=50),
]
# Forms thrown at through another entry: row forms through their formset, bases through the
# forms built on them, the quick "add a person" form through the co-chairs and attendance lists.
COVERED_BY = {
    "SectionForm": "the section forms built on it",
    "CoChairForm": "CoChairFormSet",
    "AgendaItemForm": "AgendaItemFormSet",
    "InterventionForm": "InterventionFormSet",
    "ExpectedResultForm": "ExpectedResultFormSet",
    "RecommendationForm": "RecommendationFormSet",
    "AttendanceForm": "AttendanceFormSet",
    "BaseAttendanceFormSet": "AttendanceFormSet",
    "MembershipForm": "MembershipFormSet",
    "BaseMembershipFormSet": "MembershipFormSet",
    "QuickPersonForm": "CoChairFormSet and AttendanceFormSet (person_form)",
    "SectionFormSet": "the section formsets built on it",
    "TaggedSectionFormSet": "AgendaItemFormSet and RecommendationFormSet",
    "FollowUpForm": "FollowUpFormSet",
    "BaseFollowUpFormSet": "FollowUpFormSet",
    "ListFilterForm": "SessionFilterForm and RecommendationFilterForm",
}
SCREENS = [screen for screens in FORM_SCREENS.values() for screen in screens] + OTHER_SCREENS


def discovered_forms():
    """Every form and formset class the forms modules define (factory formsets included)."""
    found = set()
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if not isinstance(value, type):
                continue
            if issubclass(value, forms.BaseForm) and value.__module__ == module_name:
                found.add(name)
            elif issubclass(value, BaseFormSet) and (
                value.__module__ == module_name
                or any(k.__module__ == module_name for k in getattr(value, "form", object).__mro__)
            ):
                found.add(name)
    return found


# --- French errors only ---------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%(?:\\\(\w+\\\))?[sdr]|\\\{\w*\\\}")
PO_ENTRY = re.compile(r'^msgid(?:_plural)? ((?:".*"\n)+)', re.MULTILINE)


def po_msgids(path):
    """The msgids (singular and plural) of a .po file."""
    text = path.read_text(encoding="utf-8")
    for block in PO_ENTRY.findall(text):
        msgid = "".join(re.findall(r'"(.*)"', block))
        yield msgid.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def _english_patterns():
    """Django's English messages and the project's English msgids, as patterns to refuse.

    Only sentences of two words or more besides their placeholders: a lone word ("Date",
    "Description") may be spelt alike in both languages.
    """
    django_root = Path(django.__file__).parent
    paths = [django_root / "conf/locale/fr/LC_MESSAGES/django.po"]
    paths += sorted(django_root.glob("contrib/*/locale/fr/LC_MESSAGES/django.po"))
    paths.append(settings.BASE_DIR / "locale/fr/LC_MESSAGES/django.po")
    msgids = {
        msgid
        for path in paths
        for msgid in po_msgids(path)
        if len(re.findall(r"[A-Za-z]{2,}", re.sub(r"%(\(\w+\))?[sdr]|\{\w*\}", "", msgid))) >= 2
    }
    return [re.compile(PLACEHOLDER.sub(".+", re.escape(m)), re.DOTALL) for m in msgids]


ENGLISH = _english_patterns()


def english(message):
    return any(pattern.fullmatch(message) for pattern in ENGLISH)


# --- posting like a browser -----------------------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
TRUNCATED_ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20
uploads = st.builds(
    lambda name, content: ("file", name, content),
    st.sampled_from(
        [
            "annexe.pdf",
            "virus.exe.pdf",
            "../../etc/passwd.pdf",
            "<script>alert(1)</script>.pdf",
            "\u202efdp.exe",
            "nul\x00.pdf",
            "a" * 300 + ".pdf",
            "rapport.docx",
            "image.png",
            ".pdf",
            "sans-extension",
        ]
    ),
    st.sampled_from([PDF, EXE, TRUNCATED_ZIP, b"", b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff" * 64])
    | st.binary(max_size=512),
)


def as_posted(bound_field):
    """What a browser sends for an untouched field of the page (None: nothing sent)."""
    value = bound_field.value()
    if isinstance(bound_field.field, forms.BooleanField):
        return "on" if value else None
    if isinstance(bound_field.field, forms.FileField):
        return None
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def page_forms(context, names):
    """The forms of the page's context, each formset as its management form and its forms."""
    found = []
    for name in names:
        item = context.get(name)
        if item is None:
            continue
        if isinstance(item, BaseFormSet):
            found.append(item.management_form)
            found.extend(item.forms)
        else:
            found.append(item)
    return found


def browser_payload(form_list):
    """{field name: (value, form field)} as the page would send its forms untouched."""
    payload = {}
    for form in form_list:
        for bound_field in form:
            payload[bound_field.html_name] = (as_posted(bound_field), bound_field.field)
    return payload


def errors_of(context):
    """Every error message of the forms and formsets of a rendered page."""
    found, seen = [], set()
    contexts = context if isinstance(context, list) else [context] if context else []
    for item in [item for ctx in contexts for item in ctx.flatten().values()]:
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, BaseFormSet) and item.is_bound:
            found += list(item.non_form_errors())
            for form in item.forms:
                found += [m for messages in form.errors.values() for m in messages]
        elif isinstance(item, forms.BaseForm) and item.is_bound:
            found += [m for messages in item.errors.values() for m in messages]
    if context and context.get("error"):  # pages that say their one error plainly (search)
        found.append(context.get("error"))
    return found


def error_messages(response):
    storage = response.context.get("messages") if response.context else None
    return [str(m) for m in storage or [] if m.level >= message_levels.WARNING]


def pdf_text(pdf_bytes, tmp_path):
    path = tmp_path / "preview.pdf"
    path.write_bytes(pdf_bytes)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return "".join(out.split())


# --- the figures ----------------------------------------------------------------------------------

FIGURES = {"inputs": 0, "saved": 0, "refused": 0, "pdfs": 0, "messages": set(), "forms": set()}


@pytest.fixture(scope="module", autouse=True)
def report_figures(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and FIGURES["inputs"]:
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"hostile input: {FIGURES['inputs']} generated inputs over "
                f"{len(FIGURES['forms'])} screens: {FIGURES['saved']} accepted, "
                f"{FIGURES['refused']} answered with French errors "
                f"({len(FIGURES['messages'])} distinct messages), {FIGURES['pdfs']} PDFs read "
                "back, 0 server errors"
            )


# --- the tests ------------------------------------------------------------------------------------


def test_every_form_is_thrown_hostile_input():
    covered = set(FORM_SCREENS) | set(COVERED_BY)

    assert sorted(discovered_forms() - covered) == []
    assert sorted(covered - discovered_forms()) == []


def test_the_french_check_knows_english_messages():
    assert english("This field is required.")
    assert english("Ensure this value has at most 255 characters (it has 10000).")
    assert english("Select a valid choice. 99 is not one of the available choices.")
    assert english("Null characters are not allowed.")
    assert english("The end date cannot be before the start date.")
    assert not english("Ce champ est obligatoire.")
    assert not english("Assurez-vous que cette valeur comporte au plus 255 caractères.")


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world()


def resolve(kwargs, world):
    return {key: world[value].pk for key, value in kwargs.items()}


def base_value(value, world):
    return str(world[value].pk) if value in world else value


def offered_payload(client, screen, world, page_url):
    """What the page offers to post, untouched but for the screen's `base`."""
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    if screen.fields:
        offered = {name: ("", forms.CharField()) for name in screen.fields}
    else:
        offered = browser_payload(page_forms(page.context, screen.forms))
        assert offered, f"{page_url} shows none of {screen.forms}"
    for name, value in screen.base.items():
        offered[name] = (base_value(value, world), offered.get(name, (None, None))[1])
    if screen.upload:
        offered[screen.upload] = (("file", "annexe.pdf", PDF), offered[screen.upload][1])
    return offered


def as_sent(value):
    if isinstance(value, tuple) and value[:1] == ("file",):
        return SimpleUploadedFile(value[1], value[2])
    return value


@pytest.mark.parametrize("screen", SCREENS, ids=[s.id for s in SCREENS])
def test_hostile_input_is_saved_or_refused_in_french_and_always_escaped(world, screen, tmp_path):
    client = Client()
    if screen.role != "anonymous":
        client.force_login(world[screen.role])
    kwargs = resolve(screen.kwargs, world)
    page_url = reverse(screen.page, kwargs=kwargs)
    action_url = reverse(screen.action or screen.page, kwargs=kwargs)
    offered = offered_payload(client, screen, world, page_url)
    # Mostly the fields of the first rows; sometimes anything sent, management form included.
    visible = [n for n, (_v, f) in offered.items() if f is not None and not f.disabled]
    first = [n for n in visible if not re.search(r"-[1-9]\d*-", n)] or visible
    pdfs = []
    FIGURES["forms"].add(screen.id)

    # First, deterministically: script in every free-text field of the first rows at once.
    markup = {name: value for name, (value, _f) in offered.items() if value is not None}
    for name in first:
        field_obj = offered[name][1]
        if is_free_text(field_obj) and (field_obj.max_length or 100) >= len(MARKUP[0]):
            markup[name] = MARKUP[0]
    FIGURES["inputs"] += 1
    with transaction.atomic():
        check_one(client, screen, action_url, markup, list(markup), world, pdfs, tmp_path)
        transaction.set_rollback(True)

    @hypothesis_settings(
        max_examples=screen.examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def throw(data):
        names = data.draw(
            st.lists(
                st.sampled_from(first) | st.sampled_from(list(offered)),
                min_size=1,
                max_size=4,
                unique=True,
            ),
            label="fields",
        )
        payload = {name: value for name, (value, _f) in offered.items() if value is not None}
        for name in names:
            field_obj = offered[name][1]
            if name == screen.upload:
                strategy = uploads
            elif field_obj is None:
                strategy = numbers
            else:
                strategy = raw_values(field_obj)
            payload[name] = data.draw(strategy, label=name)
        FIGURES["inputs"] += 1
        with transaction.atomic():
            check_one(client, screen, action_url, payload, names, world, pdfs, tmp_path)
            transaction.set_rollback(True)

    throw()


def check_one(client, screen, action_url, payload, names, world, pdfs, tmp_path):
    sent = {name: as_sent(value) for name, value in payload.items()}
    if screen.method == "GET":
        response = client.get(action_url, sent)
    else:
        response = client.post(action_url, sent)

    html = response.content.decode()
    assert RAW_MARKUP.search(html) is None
    messages = [str(m) for m in errors_of(response.context)] + error_messages(response)
    assert [m for m in messages if english(m)] == []
    FIGURES["messages"].update(messages)
    if screen.method == "GET":
        assert response.status_code == 200
        FIGURES["refused" if messages else "saved"] += 1
        return
    if response.status_code != screen.accepted:
        assert response.status_code in (200, 400), response.status_code
        assert messages, f"{action_url} refused {names} without saying why"
        FIGURES["refused"] += 1
        return
    FIGURES["saved"] += 1
    if response.status_code == 302:
        shown = client.get(urlsplit(response["Location"]).path)
        assert shown.status_code == 200
        html = shown.content.decode()
        assert RAW_MARKUP.search(html) is None
    for name in screen.outputs:
        output = client.get(reverse(name, kwargs={"pk": world[screen.session].pk}))
        assert output.status_code == 200, name
    # Markup typed into a printed field and shown (escaped) on the page was saved: the PDF must
    # print it as text too.
    printed = [
        payload[name]
        for name in names
        if name.rsplit("-", 1)[-1] in screen.printed
        and payload[name] in MARKUP
        and escape(payload[name]) in html
    ]
    if printed and len(pdfs) < 3:
        check_pdf(client, world[screen.session].pk, printed, pdfs, tmp_path)


def check_pdf(client, session_pk, printed, pdfs, tmp_path):
    """The draft PDF prints the markup typed into the minutes as the literal text it is."""
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed"
    response = client.get(reverse("reports:preview_pdf", kwargs={"session_pk": session_pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for value in printed:
        assert "".join(value.split()) in text
    pdfs.append(session_pk)
    FIGURES["pdfs"] += 1


# --- uploads: oversized, wrong type and malformed files are refused in French ------------------

NOT_A_PDF = "Ce fichier n’est pas un PDF : seul le PDF d’un compte rendu peut être vérifié."
REFUSED_CONTENT = (
    "Ce fichier a été refusé : son contenu n’est pas celui d’un document PDF, Word, Excel ou "
    "PowerPoint ni d’une image PNG ou JPEG, ou bien le fichier est endommagé."
)


# A file over its limit is stopped by the upload handler as it is read (ctn/uploads.py): 413.
@pytest.mark.parametrize(
    ("name", "content", "status", "error"),
    [
        (
            "compte-rendu.pdf",
            PDF + b"0" * 4096,
            413,
            "Le fichier dépasse la taille maximale de 4,0\xa0Kio : il n’a pas été reçu.",
        ),
        ("compte-rendu.pdf", EXE, 400, NOT_A_PDF),
        ("compte-rendu.pdf", TRUNCATED_ZIP, 400, NOT_A_PDF),
        ("compte-rendu.docx", b"<html><script>alert(1)</script></html>", 400, NOT_A_PDF),
        ("compte-rendu.pdf", b"", 400, "Le fichier soumis est vide."),
    ],
    ids=["oversized", "exe renamed pdf", "truncated zip", "html", "empty"],
)
def test_the_verify_page_refuses_what_is_not_a_pdf_in_french(
    client, db, settings, name, content, status, error
):
    settings.VERIFY_MAX_SIZE = 4096

    response = client.post(
        reverse("reports:verify"), {"file": SimpleUploadedFile(name, content), "sha256": ""}
    )

    assert response.status_code == status
    assert response.context["form"].errors == {"file": [error]}
    assert RAW_MARKUP.search(response.content.decode()) is None


def test_the_verify_page_still_checks_a_pdf(client, db):
    response = client.post(
        reverse("reports:verify"), {"file": SimpleUploadedFile("cr.pdf", PDF), "sha256": ""}
    )

    assert response.status_code == 200
    assert response.context["digest"] == hashlib.sha256(PDF).hexdigest()
    assert response.context["matches"] == []


@pytest.mark.parametrize(
    ("name", "content", "status", "error"),
    [
        (
            "ptba.pdf",
            PDF + b"0" * 4096,
            413,
            "Le fichier dépasse la taille maximale de 4,0\xa0Kio : il n’a pas été reçu.",
        ),
        ("ptba.pdf", EXE, 400, REFUSED_CONTENT),
        ("ptba.docx", TRUNCATED_ZIP, 400, REFUSED_CONTENT),
        ("ptba.pdf", b"", 400, "Le fichier soumis est vide."),
    ],
    ids=["oversized", "exe renamed pdf", "truncated zip named docx", "empty"],
)
def test_an_annex_upload_refuses_oversized_wrong_and_damaged_files_in_french(
    world, settings, name, content, status, error
):
    settings.ANNEX_MAX_SIZE = 4096
    client = Client()
    client.force_login(world["secretariat"])

    response = client.post(
        reverse("sessions:annexes", args=[world["draft"].pk]),
        {"file": SimpleUploadedFile(name, content), "title": "", "agenda_item": ""},
    )

    assert response.status_code == status
    assert response.context["form"].errors == {"file": [error]}
    assert world["draft"].annexes.count() == 0


# --- dates at the edges -----------------------------------------------------------------------


OUT_OF_RANGE = ["Saisissez une date comprise entre 1960 et 2100."]


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        ("0001-01-01", "9999-12-31", {"start_date": OUT_OF_RANGE, "end_date": OUT_OF_RANGE}),
        (
            "2019-09-26",
            "2029-09-26",
            {"end_date": ["Une session dure au plus 31 jours : vérifiez les dates."]},
        ),
        (
            "2100-12-31",
            "1960-01-01",
            {"end_date": ["La date de fin ne peut pas précéder la date de début."]},
        ),
        ("2019-02-30", "2019-03-01", {"start_date": ["Saisissez une date valide."]}),
    ],
    ids=["the whole calendar", "a typing slip of ten years", "reversed", "30 February"],
)
def test_session_dates_at_the_edges_are_refused_in_french(world, start, end, errors):
    client = Client()
    client.force_login(world["secretariat"])
    url = reverse("sessions:edit", args=[world["draft"].pk])
    offered = browser_payload(page_forms(client.get(url).context, ("form",)))
    data = {name: value for name, (value, _f) in offered.items() if value is not None}

    response = client.post(url, {**data, "start_date": start, "end_date": end})

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    world["draft"].refresh_from_db()
    assert world["draft"].start_date == datetime.date(2019, 9, 26)


def test_a_month_long_session_is_accepted(world):
    client = Client()
    client.force_login(world["secretariat"])
    url = reverse("sessions:edit", args=[world["draft"].pk])
    offered = browser_payload(page_forms(client.get(url).context, ("form",)))
    data = {name: value for name, (value, _f) in offered.items() if value is not None}

    response = client.post(url, {**data, "start_date": "2019-10-01", "end_date": "2019-10-31"})

    world["draft"].refresh_from_db()
    assert response.status_code == 302
    assert world["draft"].day_count == 31
