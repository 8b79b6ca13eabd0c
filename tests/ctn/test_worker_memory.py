"""A worker's memory of checked PDFs (ctn.cache_backends.BytesMemoryCache): bytes kept as they
are, anything else as LocMemCache keeps it."""

from ctn.cache_backends import BytesMemoryCache


def memory(name, max_entries=8):
    return BytesMemoryCache(name, {"OPTIONS": {"MAX_ENTRIES": max_entries}})


def test_bytes_are_kept_as_they_are_not_copied_at_each_read():
    cache = memory("test-bytes")
    pdf = b"%PDF-1.7 " + bytes(200_000)

    cache.set("pdf", pdf)

    assert cache.get("pdf") is pdf
    assert cache.get("missing") is None


def test_another_value_is_a_copy_the_caller_cannot_change():
    cache = memory("test-other")
    cache.set("list", [1, 2])

    cache.get("list").append(3)

    assert cache.get("list") == [1, 2]
    assert cache.add("list", [9]) is False
    assert cache.add("new", b"x") is True
    assert cache.get("new") == b"x"


def test_it_keeps_at_most_its_entries_and_forgets_on_clear():
    cache = memory("test-cull", max_entries=3)
    for number in range(6):
        cache.set(f"pdf-{number}", bytes([number]) * 10)

    assert cache.get("pdf-5") == bytes([5]) * 10
    assert sum(cache.get(f"pdf-{number}") is not None for number in range(6)) <= 3
    cache.clear()
    assert cache.get("pdf-5") is None
