"""Root pytest configuration, shared by the unit tests and the notebooks.

Only what both need goes here. In particular, do NOT select a Matplotlib
backend here: the notebooks run in their own kernels with the inline backend
(Agg for the unit tests is set in tests/conftest.py).
"""

from pathlib import Path

# Narrow output rewrites applied by nbval to both the stored and the fresh
# outputs (memory addresses only). See "How the tests work" in README.md.
NBVAL_SANITIZE_FILE = Path(__file__).resolve().parent / "tests" / "nbval_sanitize.cfg"


def pytest_configure(config):
    # nbval opens the sanitize file relative to the current directory, so give
    # it an absolute path; an explicit --nbval-sanitize-with still wins.
    if getattr(config.option, "nbval_sanitize_with", "absent") is None:
        config.option.nbval_sanitize_with = str(NBVAL_SANITIZE_FILE)
