"""``python -m nnbook.exercises report PATH… [--json]``: see nnbook/exercises/report.py."""

import sys

from .report import main

sys.exit(main())
