"""The checker as an oracle (issue 67, item 4). ``nb.exercises.check`` runs in the student's
kernel, so a cell can call it until it says ✔: searching ``range(50)`` for 05.3 got a clean ✔.
Two answers, both in README: the report grades a function on hidden cases too (the checkers'
random inputs drawn anew from a seed no kernel sees), so a function that is right only on the
inputs the notebook's checker uses is ✘; and a cell that calls check on the exercise it
answers more than once (as written, or as the kernel counted) is flagged ``?`` in the grid."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np

from nnbook import exercises
from nnbook.exercises import report as report_module
from nnbook.exercises.classview import format_text
from nnbook.exercises.report import Row

ROOT = Path(__file__).resolve().parents[1]


def test_a_function_right_only_on_the_checkers_own_inputs_is_wrong():
    import nnbook as nb
    table = {}

    def recorder(Z):                          # learns the checker's inputs from the checker
        table[np.asarray(Z).tobytes()] = nb.softmax(Z, axis=1)
        return table[np.asarray(Z).tobytes()]

    exercises.check("09.1", recorder)

    def lookup(Z):                            # right on those inputs only
        return table.get(np.asarray(Z).tobytes(), np.zeros_like(Z))

    assert exercises.check("09.1", lookup).correct         # the notebook's checker says ✔
    status, message = report_module._verdict("09.1", lookup)
    assert status == "wrong" and "hidden" in message, (status, message)
    assert report_module._verdict("09.1", recorder)[0] == "done"   # a real softmax stays ✔
    with report_module.hidden_cases(salt=7):                # the hidden inputs differ
        hidden = np.random.default_rng(91).normal(size=3)
    assert not np.allclose(hidden, np.random.default_rng(91).normal(size=3))


def test_a_cell_that_searches_with_the_checker_is_flagged(tmp_path):
    search = ("for k in range(50):\n    if nb.exercises.check(\"05.3\", k):\n        answer = k\n"
              "        break\nprint(nb.exercises.check(\"05.3\", answer))")
    hidden = ("chk = getattr(nb.exercises, 'check')\n"
              "answer = min([0.5, 0.69, 0.25], key=lambda v: 0 if chk('05.2', v) else 1)\n"
              "print(nb.exercises.check(\"05.2\", answer))")
    honest = "print(nb.exercises.check(\"05.1\", (None, None, None, None)))"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import nnbook as nb"),
                                         nbformat.v4.new_markdown_cell("## Exercises"),
                                         *(nbformat.v4.new_code_cell(c) for c in (honest, hidden, search))])
    nbformat.write(nb, tmp_path / "05_xor.ipynb")
    done = subprocess.run([sys.executable, "-m", "nnbook.exercises", "report", str(tmp_path), "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    rows = {r["exercise"]: r for r in json.loads(done.stdout)}
    assert rows["05.3"]["status"] == "done" and rows["05.3"]["repeated_checks"] >= 4
    assert rows["05.2"]["repeated_checks"] >= 3           # counted in the kernel: getattr hides it
    assert rows["05.1"]["repeated_checks"] == 0 and rows["05.1"]["status"] == "not attempted"
    text = format_text([Row(**r) for r in json.loads(done.stdout)])
    line = text.splitlines()[1].split()
    assert line[3] == "✔?" and line[1] == "○", text
    assert "? the cell called check on its exercise more than once" in text
