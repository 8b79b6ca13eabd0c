"""The shared caches' file backend (ctn.cache_backends.FileCache): values kept uncompressed."""

import pickle
import time
import zlib
from pathlib import Path

import pytest
from django.core.cache.backends.filebased import FileBasedCache

from ctn.cache_backends import FileCache

PAGE = "<p>Comité Technique National, Ségou</p>".encode() * 500


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"


def _only_file(cache_dir):
    (path,) = Path(cache_dir).glob("*.djcache")
    return path


def test_a_value_is_written_uncompressed_and_read_back(cache_dir):
    cache = FileCache(str(cache_dir), {})
    value = ("text/html; charset=utf-8", PAGE)

    cache.set("page", value, 60)

    with _only_file(cache_dir).open("rb") as kept:
        pickle.load(kept)  # noqa: S301 - the expiry, written by the test's own cache
        assert kept.read() == pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    assert cache.get("page") == value


def test_an_entry_compressed_by_djangos_backend_is_still_read(cache_dir):
    FileBasedCache(str(cache_dir), {}).set("session", {"_auth_user_id": "7"}, 60)
    with _only_file(cache_dir).open("rb") as kept:
        pickle.load(kept)  # noqa: S301
        assert zlib.decompress(kept.read())  # written compressed

    assert FileCache(str(cache_dir), {}).get("session") == {"_auth_user_id": "7"}


def test_an_expired_or_missing_entry_is_a_miss(cache_dir):
    cache = FileCache(str(cache_dir), {})
    cache.set("short", "value", 1)
    time.sleep(1.1)

    assert cache.get("short", "missed") == "missed"
    assert cache.get("never-written") is None


def test_touch_keeps_the_value_and_moves_its_expiry(cache_dir):
    cache = FileCache(str(cache_dir), {})
    cache.set("page", PAGE, 1)

    assert cache.touch("page", 60)
    time.sleep(1.1)

    assert cache.get("page") == PAGE
    assert not cache.touch("never-written", 60)


def test_a_full_folder_is_counted_at_most_once_per_interval(cache_dir):
    FileCache(str(cache_dir), {"OPTIONS": {"MAX_ENTRIES": 1000}}).set_many(
        {f"old-{number}": number for number in range(21)}, 60
    )
    cache = FileCache(str(cache_dir), {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 3}})

    def entries():
        return len(list(Path(cache_dir).glob("*.djcache")))

    cache.set("first", 1, 60)  # counts 21 entries, drops 7, then writes
    assert entries() == 15
    cache.set("second", 2, 60)  # within the interval: not counted again
    assert entries() == 16

    cache._next_cull = 0  # the interval has passed
    cache.set("third", 3, 60)
    assert entries() == 16 - 16 // 3 + 1
    assert cache.get("third") == 3
