"""Downloads are logged off the request: one writer thread per process writes the rows that
gathered in one statement, a fraction of a second later (reports/downloads.py)."""

import threading

import pytest

from reports import downloads
from reports.models import Download

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def writer_batches(settings, monkeypatch):
    """Production's delay; the batches the writer thread writes, as it writes them."""
    settings.DOWNLOAD_LOG_DELAY = 30  # longer than the test: only stop() writes
    batches, write = [], downloads.write

    def recording_write(rows):
        batches.append((threading.current_thread().name, list(rows)))
        write(rows)

    monkeypatch.setattr(downloads, "write", recording_write)
    monkeypatch.setattr(downloads._Writer, "_current", None)
    yield batches
    downloads.flush()


def download(client, minutes):
    response = client.get(f"/reports/{minutes.session_id}/minutes.pdf")
    assert response.status_code == 200
    return response


def test_the_rows_of_several_downloads_are_written_together_by_the_writer_thread(
    login, partner, coordinator, validated_17, writer_batches
):
    version = validated_17.versions.get()
    download(login(partner), validated_17)
    download(login(partner), validated_17)
    download(login(coordinator), validated_17)

    assert Download.objects.count() == 0  # nothing written in the requests
    downloads.flush()

    assert [(name, len(rows)) for name, rows in writer_batches] == [("ctn-download-log", 3)]
    assert sorted(Download.objects.values_list("version_id", "user__username")) == sorted(
        [(version.pk, partner.username)] * 2 + [(version.pk, coordinator.username)]
    )


def test_a_failed_write_is_logged_and_the_next_rows_are_written(
    login, partner, validated_17, writer_batches, monkeypatch, caplog, settings
):
    calls = []
    write = downloads.write

    def failing_once(rows):
        calls.append(len(rows))
        if len(calls) == 1:
            raise RuntimeError("database gone")
        write(rows)

    monkeypatch.setattr(downloads, "write", failing_once)
    settings.DOWNLOAD_LOG_DELAY = 0.05
    client = login(partner)
    download(client, validated_17)
    for _ in range(200):  # the first batch goes after 0.05 s
        if calls:
            break
        threading.Event().wait(0.01)
    download(client, validated_17)
    downloads.flush()

    assert calls == [1, 1]
    assert Download.objects.count() == 1
    assert "1 download row(s) could not be written" in caplog.text


def test_without_a_delay_the_row_is_written_in_the_request(login, partner, validated_17, settings):
    settings.DOWNLOAD_LOG_DELAY = 0

    download(login(partner), validated_17)

    assert Download.objects.filter(user=partner).count() == 1
