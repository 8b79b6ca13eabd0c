"""verify_minutes: the PDFs of record in the database checked against their fingerprints, even
while downloads are served from verified disk copies."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reports.models import AuditEvent, MinutesVersion
from tests.reports.test_frozen_four_ways import tamper


def test_intact_pdfs_are_reported_as_such(validated_17):
    out = StringIO()

    call_command("verify_minutes", stdout=out)

    assert "1 compte rendu validé vérifié : il correspond à son empreinte." in out.getvalue()
    assert not AuditEvent.objects.filter(kind="tampered").exists()


def test_an_alteration_hidden_by_the_disk_copy_is_found_and_recorded(login, partner, validated_17):
    version = MinutesVersion.objects.get(minutes=validated_17)
    client = login(partner)
    url = f"/reports/{validated_17.session_id}/minutes.pdf"
    client.get(url)  # the verified disk copy is written
    tamper(version)
    served = client.get(url)  # from the disk copy: still the PDF of record
    err = StringIO()

    with pytest.raises(CommandError, match="1 compte rendu validé sur 1 ne correspond plus"):
        call_command("verify_minutes", stderr=err)

    assert hashlib.sha256(served.content).hexdigest() == version.sha256
    assert version.sha256 in err.getvalue()
    event = AuditEvent.objects.get(kind="tampered")
    assert (event.username, event.session_id) == ("verify_minutes", validated_17.session_id)
    assert event.detail == f"version 1, sha256 {version.sha256}"
