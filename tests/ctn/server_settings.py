"""The test settings with the shared caches as in production (files under CACHE_DIR behind the
fail-safe wrapper, ctn/cache_backends.py), for the tests that run the application in other
processes: a restored database, gunicorn workers."""

from pathlib import Path

from tests.settings import *  # noqa: F403

MEDIA_ROOT = Path(env("MEDIA_ROOT", str(MEDIA_ROOT)))  # noqa: F405

CACHES = {
    **CACHES,  # noqa: F405
    "sessions": {
        "BACKEND": FAIL_SAFE_CACHE,  # noqa: F405
        "WRAPPED_BACKEND": FILE_CACHE,  # noqa: F405
        "LOCATION": str(CACHE_DIR / "sessions"),  # noqa: F405
    },
    "pages": {
        "BACKEND": FAIL_SAFE_CACHE,  # noqa: F405
        "WRAPPED_BACKEND": FILE_CACHE,  # noqa: F405
        "LOCATION": str(CACHE_DIR / "pages"),  # noqa: F405
    },
}
