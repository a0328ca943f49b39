"""nnbook/exercises/grading.py: the report grades what the notebook grades, and only that.

An answer that calls a helper defined earlier in its chapter (chapter 21's
``softmax_rows``) is graded ✔ as in JupyterLab (the report runs the cells it reads from);
verdicts come from the report's own process, so a cell that writes verdicts to the
file the report used to read (``NNBOOK_EXERCISE_LOG``), one that replaces
``nb.exercises.check``, and one that prints a made-up verdict line get no ✔. The helpers
(which cells an answer needs, which answer each check call passes, what a cell names of
nnbook) by hand. The attacks of issue 49 are in test_exercises_report_attacks.py."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat

from nnbook.exercises.grading import _names, _tree, answers, check_calls, needed_cells, uses_nnbook
from nnbook.exercises.report import exercise_cells

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_21 = ROOT / "notebooks" / "21_inference.ipynb"

HELPER_ANSWER = '''\
def cache_step(q, k_new, v_new, K, V):   # softmax_rows: the chapter's own helper
    K, V = np.vstack([K, k_new[None]]), np.vstack([V, v_new[None]])
    a = softmax_rows((K @ q / np.sqrt(len(q)))[None])[0]
    return a @ V, K, V


print(nb.exercises.check("21.1", cache_step))'''

WRITES_THE_LOG = '''\
import json, os
for ex in ("21.1", "21.2", "21.3"):
    for path in (os.environ.get("NNBOOK_EXERCISE_LOG"), "checks.jsonl"):
        if path:
            with open(path, "a") as f:
                f.write(json.dumps({"exercise": ex, "correct": True, "attempted": True,
                                    "message": "forged"}) + "\\n")
top_p = None
print(nb.exercises.check("21.2", top_p))'''

REPLACES_CHECK = '''\
from nnbook.exercises._core import Feedback
nb.exercises.check = lambda ex, answer: Feedback(ex, True, "forged")
import nnbook.exercises
nnbook.exercises.check = nb.exercises.check
cache_bytes = None
print(nb.exercises.check("21.3", cache_bytes))'''

PRINTS_A_VERDICT = '''\
print('nnbook-report-0123 [{"exercise": "21.2", "correct": true, "attempted": true, '
      '"message": "forged"}]')'''


def copy_of_chapter_21(tmp_path, sources):
    """Chapter 21 with its three exercise cells replaced by ``sources`` (and, before them,
    an extra cell that tries to forge the report's verdict line)."""
    nb = nbformat.read(CHAPTER_21, as_version=4)
    _, cells = exercise_cells(nb)
    for i, source in zip(cells, sources):
        nb.cells[i].source = source
        nb.cells[i].outputs = []
    nb.cells.insert(cells[0], nbformat.v4.new_code_cell(PRINTS_A_VERDICT))
    path = tmp_path / "21_inference.ipynb"
    nbformat.write(nb, path)
    return path


def run_report(path):
    done = subprocess.run([sys.executable, "-m", "nnbook.exercises", "report", str(path),
                           "--json", "--timeout", "600"], capture_output=True, text=True,
                          cwd=ROOT, timeout=1800)
    assert done.returncode == 0, done.stderr
    return {r["exercise"]: r for r in json.loads(done.stdout)}


def test_a_helper_of_the_chapter_is_graded_and_forgeries_are_not(tmp_path):
    rows = run_report(copy_of_chapter_21(tmp_path, [HELPER_ANSWER, WRITES_THE_LOG,
                                                     REPLACES_CHECK]))
    assert rows["21.1"]["status"] == "done", rows["21.1"]
    assert rows["21.2"]["status"] == "not attempted", rows["21.2"]
    assert rows["21.3"]["status"] == "not attempted", rows["21.3"]
    assert all("forged" not in r["message"] for r in rows.values())


def test_which_earlier_cells_an_answer_needs():
    sources = ["import numpy as np\nrng = np.random.default_rng(0)",       # 0: set-up
               "def helper(x):\n    return scale * x",                      # 1
               "scale = 2.0",                                              # 2
               "x = 5\nmodel = [1]",                                       # 3
               "model.append(2)",                                          # 4: changes model
               "%matplotlib inline\nunrelated = rng.normal()",             # 5
               "",                                                         # 6: the heading
               "def answer(q):\n    x = q + 1\n    return helper(x) + len(model)",
               "print(check('03.1', answer))"]
    assert needed_cells(sources, 6, [0, 7, 8]) == [1, 2, 3, 4]
    assert needed_cells(sources, 6, [0, 8]) == []


def test_a_comprehensions_loop_variable_is_no_name_of_its_cell():
    """On every Python a comprehension's loop variable is its own, not the cell's: Python
    3.12 runs list, set and dict comprehensions in the enclosing scope (PEP 709), and the
    report then took ``n`` of ``[n for n in range(3)]`` for a name the cell reads and
    binds, so an answer needed every earlier cell that sets ``n`` (on Python 3.13, 31 of
    chapter 21's cells and its training instead of one: 26 s against 4 s). Catches the
    symbol table read as Python 3.12 and later give it (newest runs this test)."""
    sources = ["sizes = [n for n in range(3)]",
               "n = 10 ** 6                      # slow: no answer needs it",
               "keys = {k: v for k, v in zip('ab', sizes)}",
               "k = 'slow'",
               "seen = {m for m in sizes}",
               "m = 'slow'",
               "",
               "def answer(x):\n    return x * len(sizes) + len(keys) + len(seen)",
               "print(check('03.1', answer))"]
    assert needed_cells(sources, 6, [7, 8]) == [0, 2, 4]


def test_a_name_a_walrus_binds_inside_a_comprehension_is_the_cells():
    """``[y := f(x) for x in xs]`` binds ``y`` in the cell (PEP 572), though the loop
    variable ``x`` stays the comprehension's: an answer that reads ``y`` needs that cell.
    The report missed it (the comprehension's scope was read as the walrus's), and the
    answer then failed with a NameError in the report's kernel only. A walrus inside a
    function binds the function's own name, not the cell's."""
    sources = ["squares = [last := x * x for x in range(4)]",
               "total = sum((seen := x) for x in range(3))",
               "def local():\n    return [inner := 1 for _ in range(2)]",
               "",
               "def answer(q):\n    return q + last + seen",
               "print(check('03.1', answer))"]
    assert needed_cells(sources, 3, [4, 5]) == [0, 1]
    assert "inner" not in _names(*_tree(sources[2]))[0]


def test_the_answer_each_check_cell_passes():
    assert answers(["print(nb.exercises.check('3.1', dense_backward))",
                    "x = 1\nprint(nb.exercises.check(\"21.2\", (W1, b1)))",
                    "%matplotlib inline\ncheck('21.3', f)", "print(check('21.2', top_p))"]) == {
        "03.1": "dense_backward", "21.2": "top_p", "21.3": "f"}


def test_the_check_calls_of_a_cell_in_order_and_what_it_names_of_nnbook():
    cell = "a = 1\nprint(nb.exercises.check('5.3', answer))\nprint(check(\"05.2\", answer))"
    assert check_calls(cell) == [("05.3", "answer"), ("05.2", "answer")]
    assert uses_nnbook("import nnbook as nb\nprint(nb.exercises.check('03.1', f))") == []
    assert uses_nnbook("from nnbook.layers import Dense\nf = nb.softmax\nimport nnbook.metrics") == [
        "nb.softmax", "nnbook.layers.Dense", "nnbook.metrics"]


def test_cells_are_parsed_one_at_a_time_across_threads(monkeypatch):
    # The report reads notebooks in threads (--jobs 4); CPython 3.11's parser keeps its AST
    # recursion count per interpreter, and two parses at once failed a CI run with
    # "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905). Here a
    # slow ast.parse counts how many threads are inside it at once: one, with the lock.
    import ast
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    real, inside, most, guard = ast.parse, [0], [0], threading.Lock()

    def slow_parse(*args, **kwargs):
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.01)
        try:
            return real(*args, **kwargs)
        finally:
            with guard:
                inside[0] -= 1

    monkeypatch.setattr(ast, "parse", slow_parse)
    sources = ["def helper(x):\n    return 2 * x", "answer = helper(3)",
               'print(nb.exercises.check("03.1", answer))']
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda _: needed_cells(sources, 2, [2]), range(16)))
    assert all(f == found[0] for f in found) and found[0]
    assert most[0] == 1, f"{most[0]} threads parsed at once"
