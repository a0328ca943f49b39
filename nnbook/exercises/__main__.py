"""``python -m nnbook.exercises report PATH… [--json]``: see nnbook/exercises/report.py."""

import sys

# The report reads notebooks with nbformat, which imports jsonschema, which imports
# rfc3987_syntax when it is installed (JupyterLab's dependencies install it) for its "iri"
# format checks: that import compiles 39 Lark grammars, 2.7 s of CPU in every report run (3 s
# with the rest of nbformat's import), for a format no notebook's schema uses (nbformat
# validates without a format checker). Marked absent here, jsonschema leaves out those two
# format checks, and nothing else changes; a program that imports the report keeps its own.
sys.modules.setdefault("rfc3987_syntax", None)

from .report import main  # noqa: E402

sys.exit(main())
