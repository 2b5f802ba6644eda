"""Backup, wipe, restore: the same rows and checksums come back; damage and overwrites are refused.
Runs on SQLite (online backup API) and PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tvetbridge.core import backup
from tvetbridge.registry.models import Institution

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def filled(world, users):
    from tvetbridge.registry import services

    services.update_record(users["coordinator"], world["alt"], {"phone": "+7 727 000"})
    Institution.objects.create(external_key="inst-quote", name="O'Brien \"Tab\"\tCollege", kind="college",
                               country=world["kz"])
    return world


def test_backup_wipe_restore_gives_identical_rows_and_checksums(filled, tmp_path):
    before = backup.table_checksums()
    manifest = backup.backup(tmp_path / "b")
    assert manifest["tables"] == before
    assert manifest["engine"] == connection.vendor
    assert before["registry_institution"]["rows"] == 4
    assert before["registry_historicalinstitution"]["rows"] >= 1
    backup.wipe()
    assert backup.user_tables() == []
    restored = backup.restore(tmp_path / "b")
    assert restored.rows == manifest["total_rows"]
    assert backup.table_checksums() == before
    assert Institution.objects.get(external_key="inst-quote").name == "O'Brien \"Tab\"\tCollege"


def test_checksum_sees_a_changed_value(filled):
    before = backup.table_checksums()
    Institution.objects.filter(external_key="inst-alt").update(phone="+7 727 001")
    after = backup.table_checksums()
    assert after["registry_institution"]["rows"] == before["registry_institution"]["rows"]
    assert after["registry_institution"]["checksum"] != before["registry_institution"]["checksum"]
    assert backup.compare({"tables": before}, after) == ["registry_institution: same row count, different content"]


def test_restore_refuses_a_database_with_rows_unless_forced(filled, tmp_path):
    backup.backup(tmp_path / "b")
    Institution.objects.create(external_key="inst-late", name="Late", kind="college", country=filled["kz"])
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(tmp_path / "b"))
    assert Institution.objects.filter(external_key="inst-late").exists()
    call_command("restore", str(tmp_path / "b"), "--force", "--jobs", "1")
    assert not Institution.objects.filter(external_key="inst-late").exists()


def test_damaged_backup_is_refused_before_anything_is_touched(filled, tmp_path):
    manifest = backup.backup(tmp_path / "b")
    path = tmp_path / "b" / manifest["file"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    backup.wipe()
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.restore(tmp_path / "b")
    # put the real schema back for the test database's teardown
    call_command("migrate", verbosity=0)


def test_backup_refuses_a_non_empty_directory_and_foreign_manifests(filled, tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("x")
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.backup(tmp_path / "b")
    other = tmp_path / "c"
    backup.backup(other)
    manifest = json.loads((other / backup.MANIFEST).read_text())
    manifest["engine"] = "oracle"
    (other / backup.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupError, match="oracle"):
        backup.restore(other, force=True)
