"""How long the draft PDF of a session filled to every limit of the forms takes to render.

    .venv/bin/python bench/limits_preview.py [--rounds 3] [--text words|solid]

The limits are those of sessions/forms.py (MAX_ROWS, TEXT_LIMITS; README « Limites »): a
session with every list at its maximum number of rows and every long text at its maximum
length, plus the follow-up of as many recommendations of the previous session (each at its
longest, with its longest note) and 5 rapporteurs. The
budget is 10 s for the preview (/reports/<pk>/preview.pdf, reports.pdf.render_minutes_pdf), in
CPU time: on an idle machine the wall clock is the same, on a busy one it is longer.
It also renders the PDF of record of that session (PDF/A, the largest file the verification
page must take) and times the largest edit screens at their maximum number of rows.

`--text words` fills the texts with French words and a line break every few sentences, as
people type (the slower case, measured); `--text solid` with one unbroken run of letters.
Runs on a throwaway SQLite database in a temporary folder, removed at the end.
"""

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
WORKDIR = Path(tempfile.mkdtemp(prefix="ctn-limits-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'limits.sqlite3'}"
os.environ["CACHE_DIR"] = str(WORKDIR / "cache")
os.environ["MEDIA_ROOT"] = str(WORKDIR / "media")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from participants.models import Attendance, Organization, Person  # noqa: E402
from reports.models import Minutes, MinutesVersion  # noqa: E402
from reports.pdf import render_minutes_pdf  # noqa: E402
from sessions.forms import MAX_ROWS, TEXT_LIMITS  # noqa: E402
from sessions.models import (  # noqa: E402
    AgendaItem,
    CoChair,
    Committee,
    ExpectedResult,
    FollowUp,
    Intervention,
    Recommendation,
    Session,
)
from tests.factories import UserFactory  # noqa: E402

WORDS = (
    "le comité technique national a examiné les activités du programme de filets sociaux et "
    "recommande que les partenaires renforcent le suivi des indicateurs de la composante "
    "transferts monétaires dans les cercles de Ségou, Mopti et Tombouctou avant la fin du "
    "trimestre suivant"
).split()
BUDGET_SECONDS = 10


def text(length, kind):
    """`length` characters of text: words with a line break every ~400 characters, or solid."""
    if kind == "solid":
        return "a" * length
    out, line = [], 0
    index = 0
    while sum(len(piece) for piece in out) < length:
        word = WORDS[index % len(WORDS)]
        index += 1
        if line > 400:
            out.append(".\n")
            line = 0
        out.append(word + " ")
        line += len(word) + 1
    return "".join(out)[:length]


def limit(model, field):
    return TEXT_LIMITS[model][field]


def build(kind):
    committee = Committee.objects.create(
        name="Comité Technique National",
        acronym="CTN",
        programme="Programme de Filets Sociaux « Jigisemejiri »",
        letterhead="MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL\nUnité Technique",
    )
    organizations = [
        Organization.objects.create(acronym=f"ORG{n}", name=f"Organisation {n}", kind="agency")
        for n in range(20)
    ]
    people = Person.objects.bulk_create(
        Person(
            civility="M.",
            first_name=f"Prénom{n}",
            last_name=f"NOM{n}",
            function="Chargé de suivi et évaluation",
            organization=organizations[n % len(organizations)],
        )
        for n in range(max(MAX_ROWS[Attendance], MAX_ROWS[CoChair], MAX_ROWS[Intervention]))
    )
    previous = Session.objects.create(
        committee=committee,
        number=17,
        start_date=timezone.localdate().replace(year=2019, month=6, day=25),
        end_date=timezone.localdate().replace(year=2019, month=6, day=27),
        city="Bamako",
        status=Session.Status.HELD,
    )
    session = Session.objects.create(
        committee=committee,
        number=18,
        start_date=timezone.localdate().replace(year=2019, month=9, day=26),
        end_date=timezone.localdate().replace(year=2019, month=9, day=28),
        city="Ségou",
        venue="salle Kalanblo du Motel Savane",
        status=Session.Status.HELD,
        **{field: text(length, kind) for field, length in TEXT_LIMITS[Session].items()},
    )
    session.rapporteurs.set(people[:5])
    CoChair.objects.bulk_create(
        CoChair(session=session, order=n, person=people[n], capacity="Président de séance")
        for n in range(MAX_ROWS[CoChair])
    )
    items = AgendaItem.objects.bulk_create(
        AgendaItem(
            session=session,
            order=n,
            title=text(AgendaItem._meta.get_field("title").max_length, kind),
            kind="presentation",
            presenter=people[n],
            summary=text(limit(AgendaItem, "summary"), kind),
        )
        for n in range(MAX_ROWS[AgendaItem])
    )
    Intervention.objects.bulk_create(
        Intervention(
            session=session,
            order=n,
            moment="agenda",
            agenda_item=items[n % len(items)],
            speaker=people[n],
            summary=text(limit(Intervention, "summary"), kind),
            quote=text(limit(Intervention, "quote"), kind),
        )
        for n in range(MAX_ROWS[Intervention])
    )
    ExpectedResult.objects.bulk_create(
        ExpectedResult(
            session=session,
            order=n,
            description=text(limit(ExpectedResult, "description"), kind),
            status="achieved",
            comment=text(limit(ExpectedResult, "comment"), kind),
        )
        for n in range(MAX_ROWS[ExpectedResult])
    )
    for target, count in (
        (session, MAX_ROWS[Recommendation]),
        (previous, MAX_ROWS[Recommendation]),
    ):
        Recommendation.objects.bulk_create(
            Recommendation(
                session=target,
                order=n,
                kind="blocker",
                text=text(limit(Recommendation, "text"), kind),
                solution=text(limit(Recommendation, "solution"), kind),
                responsible=organizations[n % len(organizations)],
                due_date=target.end_date,
            )
            for n in range(count)
        )
    FollowUp.objects.bulk_create(
        FollowUp(
            recommendation=recommendation,
            session=session,
            status="in_progress",
            note=text(limit(FollowUp, "note"), kind),
        )
        for recommendation in previous.recommendations.all()
    )
    Attendance.objects.bulk_create(
        Attendance(session=session, person=people[n], status="present")
        for n in range(MAX_ROWS[Attendance])
    )
    return session


def page_count(pdf):
    """Pages of a PDF, read by poppler's pdfinfo when it is installed ("?" otherwise)."""
    path = WORKDIR / "count.pdf"
    path.write_bytes(pdf)
    try:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)[1]


def children_cpu():
    """CPU seconds used by the finished child processes (the PDF is rendered in a fork)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(function, rounds):
    """Wall-clock seconds of each round, the CPU seconds of the children over all rounds, and
    the last result. On a busy machine the wall clock grows; the CPU time much less."""
    times, result = [], None
    cpu = children_cpu()
    for _ in range(rounds):
        started = time.monotonic()
        result = function()
        times.append(time.monotonic() - started)
    return times, (children_cpu() - cpu) / rounds, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--text", choices=["words", "solid"], default="words")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    session = build(args.text)
    minutes = Minutes.objects.create(session=session)
    characters = sum(
        len(value)
        for model in TEXT_LIMITS
        for value in model.objects.filter(
            **({"pk": session.pk} if model is Session else {})
        ).values_list(*TEXT_LIMITS[model], flat=len(TEXT_LIMITS[model]) == 1)
        for value in (value if isinstance(value, tuple) else (value,))
    )
    print(f"Limits: rows {', '.join(f'{m.__name__} {n}' for m, n in MAX_ROWS.items())}")
    print(f"Text kind: {args.text}; characters of text in the database: {characters:,}")

    print(f"Load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    times, cpu, pdf = timed(lambda: render_minutes_pdf(minutes, record=False), args.rounds)
    pages = page_count(pdf)
    print(
        f"Preview PDF: median {statistics.median(times):.2f} s, max {max(times):.2f} s over "
        f"{args.rounds} rounds (CPU {cpu:.2f} s per round); {len(pdf) / 1024:.0f} KiB, "
        f"{pages} pages"
    )

    user = UserFactory(username="coordo", role="coordinator")
    version = MinutesVersion(
        minutes=minutes, number=1, validated_at=timezone.now(), validated_by=user
    )
    record_times, record_cpu, record = timed(
        lambda: render_minutes_pdf(minutes, record=True, version=version), 1
    )
    print(
        f"PDF of record (PDF/A): {record_times[0]:.2f} s (CPU {record_cpu:.2f} s), "
        f"{len(record) / 1024:.0f} KiB"
    )

    client = Client(HTTP_HOST="localhost")
    client.force_login(UserFactory(username="awa", role="secretariat"))
    for slug in ("agenda", "interventions", "recommendations", "attendance"):
        page_times, _cpu, response = timed(
            lambda slug=slug: client.get(f"/sessions/{session.pk}/{slug}/"), 1
        )
        print(
            f"Edit screen /{slug}/ at its maximum: {page_times[0]:.2f} s, "
            f"{len(response.content) / 1024:.0f} KiB (status {response.status_code})"
        )

    # The budget is the machine's own time for a preview: its CPU time, which other work on
    # the machine (a test run, another render) does not inflate as it does the wall clock.
    verdict = "PASS" if cpu < BUDGET_SECONDS else "FAIL"
    print(
        f"{verdict}: preview in {cpu:.2f} s of CPU, budget {BUDGET_SECONDS} s "
        f"(wall clock {statistics.median(times):.2f} s at load {os.getloadavg()[0]:.2f})"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    try:
        status = main()
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)
    sys.exit(status)
