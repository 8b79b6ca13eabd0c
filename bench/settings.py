"""The production settings (ctn/settings.py, DEBUG off) with the benchmark's own STATIC_ROOT.

Only STATIC_ROOT changes: `collectstatic` writes into a temporary folder of the run so that the
benchmark never touches a deployment's `staticfiles/`.
"""

import os
from pathlib import Path

from ctn.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
