"""Root pytest configuration, shared by the unit tests and the notebooks.

Only what both need goes here, so that notebooks/ holds nothing but the
course. In particular, do NOT select a Matplotlib backend here: the notebooks
run in their own kernels with the inline backend (Agg for the unit tests is
set in tests/conftest.py).

notebooks/extras/ holds notebooks that need PyTorch, which is not a
dependency of the course. They are skipped, with a reason in the report,
when torch is not installed. CI's job_torch_bridge (.ci/run) installs the
pinned torch==2.13.0 CPU build and runs them.
"""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
# Narrow output rewrites applied by nbval to both the stored and the fresh
# outputs (memory addresses only). See "How the tests work" in README.md.
NBVAL_SANITIZE_FILE = ROOT / "tests" / "nbval_sanitize.cfg"
EXTRAS = ROOT / "notebooks" / "extras"


def pytest_configure(config):
    # nbval opens the sanitize file relative to the current directory, so give
    # it an absolute path; an explicit --nbval-sanitize-with still wins.
    if getattr(config.option, "nbval_sanitize_with", "absent") is None:
        config.option.nbval_sanitize_with = str(NBVAL_SANITIZE_FILE)


def pytest_collection_modifyitems(config, items):
    extras = [item for item in items if item.path.suffix == ".ipynb" and EXTRAS in item.path.parents]
    # find_spec, not `import torch`: importing torch here would add seconds to
    # every run, and a broken torch install should fail loudly, not skip.
    if not extras or importlib.util.find_spec("torch") is not None:
        return
    skip = pytest.mark.skip(reason="notebooks/extras needs PyTorch, which is not installed "
                           "(pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu)")
    for item in extras:
        item.add_marker(skip)
