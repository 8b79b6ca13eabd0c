"""Kept for migrations 0003 and 0004, which name the freeze guard as a model base."""

from ctn.freeze import FreezeGuardedModel  # noqa: F401
