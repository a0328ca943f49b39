"""A pytest plugin loaded before any other (pyproject.toml's addopts:
``-p nnbook.exercises._pytest_early``) that keeps nbformat's import from compiling grammars
no notebook needs. It is not a learner's API.
"""

# nbval imports nbformat, which imports jsonschema, which imports rfc3987_syntax when it is
# installed (JupyterLab's dependencies install it) for its "iri" format checks. That import
# compiles 39 Lark grammars: 2.7 s of CPU in every pytest process (the controller, each xdist
# worker, and every pytest a test starts), for a format no notebook's schema uses (nbformat
# validates without a format checker). Marked absent before nbval loads, jsonschema leaves
# out those two format checks and nothing else changes (``python -m nnbook.exercises`` does
# the same; this module lives beside it). Plugins named with ``-p`` load before the
# installed ones, so this runs first.

import sys

sys.modules.setdefault("rfc3987_syntax", None)
