"""An edit racing a validation, with real concurrent connections on PostgreSQL.

The validation renders the PDF of record (slowed down here) while another connection writes
under the same session: the write either commits before the validation reads the content, and
is in the PDF, or waits for the validation and is refused. Never an edit in the frozen session
that the PDF of record lacks.
"""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction

from reports import services
from reports.models import MinutesVersion
from sessions.models import Recommendation, Session, SessionFrozen
from tests.factories import PersonFactory, RecommendationFactory, SessionFactory
from tests.reports.conftest import pdf_text

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks between connections are a PostgreSQL matter; SQLite serializes "
        "writers with immediate transactions (tests/ctn/test_sqlite_workers.py)",
    ),
]

RENDER_SECONDS = 1.0


@pytest.fixture
def slow_render(monkeypatch):
    """WeasyPrint takes RENDER_SECONDS longer: the validation holds its lock meanwhile."""
    import weasyprint

    original = weasyprint.HTML.write_pdf

    def slow(self, *args, **kwargs):
        time.sleep(RENDER_SECONDS)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", slow)


def _objective(session, token, person):
    session = Session.objects.get(pk=session.pk)
    session.objective = f"Objectif {token}"
    session.save()


def _recommendation(session, token, person):
    Recommendation.objects.filter(session=session).update(text=f"Recommandation {token}")


def _rapporteur(session, token, person):
    Session.objects.get(pk=session.pk).rapporteurs.add(person)


WRITES = [_objective, _recommendation, _rapporteur]
# Negative: the edit's transaction starts first and holds its writes uncommitted for that long
# while the validation starts; positive: the edit starts that long after the validation.
DELAYS = [-0.5, 0.0, 0.3, 0.8, 1.5]


def _in_thread(target, results, key):
    try:
        results[key] = ("ok", target())
    except SessionFrozen:
        results[key] = ("refused", None)
    except Exception as exc:  # noqa: BLE001 - reported by the assertion below
        results[key] = ("error", repr(exc))
    finally:
        connections.close_all()


@pytest.mark.parametrize("delay", DELAYS)
@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__.strip("_"))
def test_an_edit_during_validation_is_in_the_pdf_or_refused(
    slow_render, committee, secretariat, coordinator, write, delay, tmp_path
):
    number = 100 + WRITES.index(write) * 10 + DELAYS.index(delay)
    session = SessionFactory(
        committee=committee,
        number=number,
        start_date=datetime.date(2019, 9, 26),
        end_date=datetime.date(2019, 9, 28),
        objective="Objectif initial",
    )
    for index in range(30):
        RecommendationFactory(session=session, text=f"Recommandation initiale {index}")
    minutes = services.submit(services.minutes_for(session), secretariat)
    token = f"ZEBRA{number}"
    person = PersonFactory(first_name="Rapporteur", last_name=token)
    results = {}

    def edit():
        time.sleep(max(delay, 0))
        with transaction.atomic():
            write(session, token, person)
            time.sleep(max(-delay, 0))

    def validate():
        time.sleep(0.1 if delay < 0 else 0)
        return services.validate(minutes, coordinator)

    threads = [
        threading.Thread(target=_in_thread, args=(validate, results, "validate")),
        threading.Thread(target=_in_thread, args=(edit, results, "edit")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert results["validate"][0] == "ok", results
    assert results["edit"][0] in {"ok", "refused"}, results
    version = MinutesVersion.objects.get(minutes__session=session)
    text = pdf_text(bytes(version.pdf), tmp_path)
    session.refresh_from_db()
    stored = " ".join(
        [
            session.objective,
            *Recommendation.objects.filter(session=session).values_list("text", flat=True),
            *(person.last_name for person in session.rapporteurs.all()),
        ]
    )
    if results["edit"][0] == "ok":
        assert token in stored and token in text
    else:
        assert token not in stored and token not in text
    # An edit under way when the validation starts is waited for; a late one meets the frozen
    # session.
    if delay < 0:
        assert results["edit"][0] == "ok"
    if delay == DELAYS[-1]:
        assert results["edit"][0] == "refused"
