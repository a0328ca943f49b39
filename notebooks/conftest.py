"""pytest configuration for the notebooks (run by nbval, see README.md).

notebooks/extras/ holds notebooks that need PyTorch, which is not a
dependency of the course. They are skipped, with a reason in the report,
when torch is not installed. CI's job_torch_bridge (.ci/run) installs the pinned
torch==2.13.0 CPU build and runs them.
"""

import importlib.util
from pathlib import Path

import pytest

EXTRAS = Path(__file__).resolve().parent / "extras"


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
