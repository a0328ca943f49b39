"""Configuration for the unit tests (not for the notebooks)."""

import matplotlib
from hypothesis import settings

# Unit tests of nnbook.plot draw off-screen. This affects this pytest process
# only; notebooks run in their own kernels with the inline backend.
matplotlib.use("Agg")

# No per-example deadline: CI machines are shared and slow, and a timing
# failure says nothing about correctness. print_blob lets a failure be replayed
# with @reproduce_failure.
settings.register_profile("nnbook", deadline=None, print_blob=True)
settings.load_profile("nnbook")
