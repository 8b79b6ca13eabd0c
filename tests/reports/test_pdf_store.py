"""A validated PDF is served from a verified disk copy, checked against its SHA-256 when a
worker reads it, then from that worker's memory, and its download is logged once, cheaply
(reports/pdf_store.py, services.log_download).
"""

import hashlib

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import services
from reports.models import AuditEvent, Download, MinutesVersion
from tests.reports.test_frozen_four_ways import tamper

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="synchronous_commit is a PostgreSQL setting"
)


@pytest.fixture(autouse=True)
def cache_dir(settings, tmp_path):
    settings.CACHE_DIR = tmp_path / "cache"
    return settings.CACHE_DIR


def disk_copy(cache_dir, version):
    return cache_dir / "pdf" / f"{version.sha256}.pdf"


def downloaded_once(client, minutes, cache_dir, name="minutes.pdf"):
    """Download the validated PDF once: (url, version, the bytes of record, its disk copy)."""
    version = minutes.versions.get()
    url = f"/reports/{minutes.session_id}/{name}"
    client.get(url)
    return url, version, bytes(version.pdf), disk_copy(cache_dir, version)


def altered(pdf):
    return pdf.replace(b"%PDF", b"%PDX", 1)


def reads_the_pdf_column(queries):
    return any('"pdf"' in query["sql"] for query in queries.captured_queries)


def test_the_second_download_serves_the_pdf_of_record_from_the_disk_copy(
    login, partner, validated_17, cache_dir
):
    version = validated_17.versions.get()
    record = bytes(version.pdf)
    client = login(partner)
    url = f"/reports/{validated_17.session_id}/minutes.pdf"

    with CaptureQueriesContext(connection) as first_queries:
        first = client.get(url)
    with CaptureQueriesContext(connection) as second_queries:
        second = client.get(url)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.content == second.content == record
    assert disk_copy(cache_dir, version).read_bytes() == record
    assert reads_the_pdf_column(first_queries)
    assert not reads_the_pdf_column(second_queries)


def test_an_altered_disk_copy_is_never_served_and_is_replaced_from_the_database(
    login, partner, validated_17, cache_dir
):
    client = login(partner)
    url, _version, record, copy = downloaded_once(client, validated_17, cache_dir, "minutes-v1.pdf")
    copy.write_bytes(altered(record))
    caches["pdfs"].clear()  # another worker, which has not read it yet

    response = client.get(url)

    assert response.status_code == 200
    assert response.content == record
    assert copy.read_bytes() == record
    assert not AuditEvent.objects.filter(kind="tampered").exists()
    assert Download.objects.count() == 2


def test_a_worker_serves_the_bytes_it_checked_whatever_happens_to_the_copies_after(
    login, partner, validated_17, cache_dir
):
    client = login(partner)
    url, version, record, copy = downloaded_once(client, validated_17, cache_dir)
    copy.write_bytes(altered(record))
    tamper(version)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert response.content == record
    assert not reads_the_pdf_column(queries)


def test_a_pdf_over_the_memory_limit_is_checked_at_every_download(
    login, partner, validated_17, cache_dir, monkeypatch
):
    from reports import pdf_store

    monkeypatch.setattr(pdf_store, "MEMORY_MAX_BYTES", 1000)
    client = login(partner)
    url, _version, record, copy = downloaded_once(client, validated_17, cache_dir)
    copy.write_bytes(altered(record))

    response = client.get(url)

    assert response.content == record
    assert copy.read_bytes() == record  # found altered, and written again


def test_altered_database_bytes_are_refused_and_never_copied_to_disk(
    login, partner, validated_17, cache_dir
):
    version = validated_17.versions.get()
    altered = tamper(version)

    response = login(partner).get(f"/reports/{validated_17.session_id}/minutes.pdf")

    assert response.status_code == 409
    assert altered not in response.content
    assert not disk_copy(cache_dir, version).exists()
    assert AuditEvent.objects.filter(kind="tampered").count() == 1
    assert not Download.objects.exists()


def test_without_a_writable_cache_directory_the_pdf_is_served_from_the_database(
    login, partner, validated_17, settings, tmp_path
):
    version = validated_17.versions.get()
    # A file where the directory should be: no one, not even root, can create the copy there.
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    settings.CACHE_DIR = blocked
    client = login(partner)
    url = f"/reports/{validated_17.session_id}/minutes.pdf"

    responses = [client.get(url), client.get(url)]

    assert [response.status_code for response in responses] == [200, 200]
    assert [response.content for response in responses] == [bytes(version.pdf)] * 2
    assert blocked.read_text() == ""
    assert Download.objects.count() == 2


def test_every_download_writes_one_download_row_and_a_304_none(
    login, partner, secretariat, validated_17
):
    version = validated_17.versions.get()
    url = f"/reports/{validated_17.session_id}/minutes.pdf"

    login(partner).get(url)
    login(partner).get(url)
    not_modified = login(secretariat).get(url, headers={"if-none-match": version.etag})
    login(secretariat).get(f"/reports/{validated_17.session_id}/minutes-v1.pdf")

    assert not_modified.status_code == 304
    assert list(Download.objects.order_by("pk").values_list("user__username", "version")) == [
        ("pam", version.pk),
        ("pam", version.pk),
        ("awa", version.pk),
    ]


def test_a_matching_etag_is_answered_304_without_reading_the_pdf_nor_once_known_the_version(
    login, partner, validated_17
):
    version = validated_17.versions.get()
    client = login(partner)
    url = f"/reports/{validated_17.session_id}/minutes.pdf"

    with CaptureQueriesContext(connection) as first:
        response = client.get(url, headers={"if-none-match": version.etag})
    with CaptureQueriesContext(connection) as again:
        again_response = client.get(url, headers={"if-none-match": version.etag})

    assert response.status_code == again_response.status_code == 304
    assert response["ETag"] == version.etag
    statements = [query["sql"] for query in first.captured_queries]
    assert [sql for sql in statements if "reports_minutesversion" in sql]
    assert not [sql for sql in statements if '"reports_minutesversion"."pdf"' in sql]
    assert again.captured_queries == []
    assert not Download.objects.exists()


def test_a_new_version_validated_is_served_at_once_not_the_one_known_before(
    login, partner, coordinator, validated_17
):
    client = login(partner)
    url = f"/reports/{validated_17.session_id}/minutes.pdf"
    first = client.get(url)
    services.open_erratum(validated_17, coordinator, "Coquille dans le relevé.")
    services.validate(services.submit(validated_17, coordinator), coordinator)

    second = client.get(url)

    v1, v2 = validated_17.versions.order_by("number")
    assert hashlib.sha256(first.content).hexdigest() == v1.sha256
    assert hashlib.sha256(second.content).hexdigest() == v2.sha256
    assert second["ETag"] == v2.etag != v1.etag
    assert "v2" in second["Content-Disposition"]


def test_a_download_logged_inside_a_callers_transaction_keeps_its_synchronous_commit(
    partner, validated_17
):
    version = validated_17.versions.get()

    with CaptureQueriesContext(connection) as queries:
        services.log_download(version, partner)

    assert not any("synchronous_commit" in query["sql"] for query in queries.captured_queries)
    assert Download.objects.filter(version=version, user=partner).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_download_row_commits_without_waiting_for_the_disk(
    login, partner, validated_17
):
    version = MinutesVersion.objects.get(minutes=validated_17)
    client = login(partner)
    # A trigger records the setting in force when the row is inserted (set aside afterwards).
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE test_sync_seen (value text); "
            "CREATE FUNCTION test_record_sync() RETURNS trigger AS $$ BEGIN "
            "INSERT INTO test_sync_seen VALUES (current_setting('synchronous_commit')); "
            "RETURN NEW; END $$ LANGUAGE plpgsql; "
            "CREATE TRIGGER test_record_sync BEFORE INSERT ON reports_download "
            "FOR EACH ROW EXECUTE FUNCTION test_record_sync()"
        )
    try:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/reports/{validated_17.session_id}/minutes.pdf")
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM test_sync_seen")
            seen = [value for (value,) in cursor.fetchall()]
            cursor.execute("SHOW synchronous_commit")
            after = cursor.fetchone()[0]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER test_record_sync ON reports_download; "
                "DROP FUNCTION test_record_sync(); DROP TABLE test_sync_seen"
            )

    inserts = [q["sql"] for q in queries.captured_queries if "reports_download" in q["sql"]]
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == version.sha256
    assert seen == ["off"]
    assert len(inserts) == 1 and inserts[0].startswith("SET LOCAL synchronous_commit TO OFF; ")
    # Only that transaction: the connection, and every later write, commit synchronously.
    assert after == "on"
    assert Download.objects.filter(version=version, user=partner).count() == 1
