"""The stored seed tables (nnbook/experiments/tables/) still come out of today's code: each
table's first seed is re-run and compared with its stored row, and every stored file
belongs to a declared experiment (tools/seed_tables.py recomputes them). The stored models
(nnbook/experiments/models/, which tables and notebooks start from) are trained again and
compared with the stored ones (tools/seed_tables.py --models stores them).

A table whose notebook asserts, under nbval, that its own run is the table's first row
(every column) is not re-run here: nbval already re-ran it (ASSERTED_BY_NOTEBOOK, from
each chapter's row of tools/chapters.py). A table whose notebook asserts some of the row's
models (PARTLY_ASSERTED) has only its other models re-run here. A column that is another
table's column, the same model on the same seed (SAME_RUN: the stored values are equal on
every seed), where that other table's notebook asserts its run, is left to that notebook."""

import ast
import json

import numpy as np
import pytest

import chapters  # tools/chapters.py: the table of chapters
from nnbook.experiments import models, modern_block, tables
from nnbook.experiments.seeds import (MODELS_DIR, STORED_DIR, SeedTable, blas_kernels,
                                      over_seeds, stored_model)

TABLES = tables()
MODELS = models()
NOTEBOOKS = STORED_DIR.parents[2] / "notebooks"

# The tables whose first row a notebook asserts is its own run, in every column: table →
# (notebook, the seed of the run, the assert's line as the notebook has it), from each row's
# ``asserted`` in the table of chapters (tools/chapters.py, whose comments say why each is
# covered and why a chapter's other tables are re-run here). Running the notebook (nbval, on
# every stack) re-runs the row, so re-running it here again adds nothing. The other tables
# are re-run here: they have columns their notebook's run does not compute (covering them
# would add training to the notebook). If an assert's line changes, check again that it
# still covers every column of the row.
ASSERTED_BY_NOTEBOOK = chapters.asserted_by_notebook()


# Tables whose notebook re-runs some of the first row's models and asserts that every column
# they compute is the stored row's (to 1e-6 on the NumPy and kernels that made the table,
# which are main's; 37_arena's on any stack, its budget counted, not timed): table →
# (notebook, the call whose columns it asserts, the assert's line in that call's cell, the
# names re-run here, the columns only the notebook checks), from each row's ``partly`` in
# the table of chapters (tools/chapters.py).
# Here the row's other models are trained (the function's ``names``: each model is trained
# on its own, so its columns do not depend on which others run), and the columns left to the
# notebook are those listed: every column of the row is still compared with a re-run, once.
# A new column fails the test until it is listed or re-run here.
PARTLY_ASSERTED = chapters.partly_asserted_by_notebook()


# Columns that are another table's column, computed by the same code from the same model on
# the same seed: table → ({column: (the other table, its column)}, a function (seed, names)
# whose result holds the table's other columns). The other table is one a notebook asserts
# in every column (ASSERTED_BY_NOTEBOOK), so nbval re-runs the model; the stored values are
# equal on every seed (checked below), so the column is compared with that re-run there, and
# only the row's other columns are re-run here. 20_ablation_swaps' "untied output" is the
# model `modern_block.rematch` calls the transformer (both `_nll(seed, "untied output")`):
# one of its five models, about 3 s of CPU.
SAME_RUN = {
    "20_ablation_swaps": ({"untied output": ("20_rematch_16", "transformer")},
                          lambda seed, names: modern_block.ablation(seed, names=names)),
}


def code_lines(notebook):
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]).splitlines() for c in cells if c["cell_type"] == "code"]


@pytest.mark.parametrize("name", sorted(ASSERTED_BY_NOTEBOOK))
def test_the_notebook_asserts_the_first_row_of_each_table_not_re_run(name):
    """The skip list is right: the table exists, its first seed is the notebook's run, and
    the notebook still holds the assert (an assert edited or gone puts the table back)."""
    notebook, seed, line = ASSERTED_BY_NOTEBOOK[name]
    assert name in TABLES, f"{name}: no such table"
    assert TABLES[name][1][0] == seed, f"{name}: first seed {TABLES[name][1][0]}, listed {seed}"
    cells = code_lines(notebook)
    holding = [lines for lines in cells if line in lines]
    assert holding, f"{notebook} no longer has the check `{line.strip()}`: re-run {name} here"
    cell = "\n".join(holding[0])
    source = "\n".join("\n".join(lines) for lines in cells)
    assert f'"{name}"' in source or f'"{name.split("_", 1)[1]}"' in source, (
        f"{notebook} does not load {name}")
    if "SEED" in cell:
        assert notebook_seed(cells) == seed, f"{notebook}: SEED = {notebook_seed(cells)}, not {seed}"
    else:
        assert str(seed) in cell, f"{notebook}: the check for {name} does not name seed {seed}"


def notebook_seed(cells):
    """The value the notebook gives SEED (`SEED = 21`, or in a tuple assignment)."""
    for lines in cells:
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                pairs = (zip(target.elts, node.value.elts) if isinstance(target, ast.Tuple)
                         and isinstance(node.value, ast.Tuple) else [(target, node.value)])
                for t, v in pairs:
                    if isinstance(t, ast.Name) and t.id == "SEED" and isinstance(v, ast.Constant):
                        return v.value
    return None


@pytest.mark.parametrize("name", sorted(PARTLY_ASSERTED))
def test_the_notebook_asserts_the_columns_not_re_run(name):
    """The partial list is right: the notebook runs the first seed with those names and
    holds the assert that covers every column its run computes, on main's stack at least
    (under ``from_this_numpy()``, or not under any condition)."""
    notebook, call, line, _, _ = PARTLY_ASSERTED[name]
    cells = code_lines(notebook)
    holding = [lines for lines in cells if any(call in ln for ln in lines)]
    assert holding, f"{notebook} no longer runs `{call}`: re-run all of {name} here"
    assert line in holding[0], (f"{notebook} no longer checks its run with `{line.strip()}` "
                                f"in the cell of `{call}`: re-run all of {name} here")
    assert "from_this_numpy()" in "\n".join(holding[0]) or not line.startswith(" "), (
        f"{notebook}: the check `{line.strip()}` runs under a condition other than "
        f"from_this_numpy(): re-run all of {name} here")
    assert notebook_seed(cells) == TABLES[name][1][0], (
        f"{notebook}: SEED = {notebook_seed(cells)}, not {name}'s first seed")


@pytest.mark.parametrize("name", sorted(SAME_RUN))
def test_a_column_left_to_another_tables_notebook_is_that_tables_column(name):
    """SAME_RUN is right: the other table is asserted by its notebook, and both tables store
    the same seeds and, on every seed, the same value (exactly: one model's number)."""
    stored = SeedTable.load(STORED_DIR / f"{name}.json")
    for column, (other, other_column) in SAME_RUN[name][0].items():
        assert other in ASSERTED_BY_NOTEBOOK, (
            f"{other} is not asserted by its notebook: re-run {name}'s {column!r} here")
        theirs = SeedTable.load(STORED_DIR / f"{other}.json")
        assert theirs.seeds == stored.seeds, f"{name} and {other} store other seeds"
        assert [r[column] for r in stored.rows()] == [r[other_column] for r in theirs.rows()], (
            f"{name}'s {column!r} is no longer {other}'s {other_column!r}: re-run it here")


def columns(row, names):
    return {c: row[c] for c in names}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_first_stored_seed_is_reproduced(name):
    function, seeds = TABLES[name]
    stored = SeedTable.load(STORED_DIR / f"{name}.json")
    assert stored.seeds == seeds, f"{name}: stored seeds {stored.seeds}, declared {seeds}"
    if name in ASSERTED_BY_NOTEBOOK:
        pytest.skip(f"{name}: {ASSERTED_BY_NOTEBOOK[name][0]} asserts its run is this row "
                    "(nbval re-runs it)")
    made = stored.made_with.get("numpy", "unknown")
    if not stored.from_this_numpy():
        # Training amplifies round-off: NumPy 1.26's kernels gave another float32 CNN and
        # another RL trajectory (a sampled token flipped), and so did OpenBLAS's Haswell
        # kernels (AMD EPYC without AVX-512) for 10_byte_inputs, 13_digits_cnn and 22_rl,
        # stored before tables recorded their kernels. The digits are the stack's.
        blas = stored.made_with.get("blas", "unrecorded")
        pytest.skip(f"{name} was computed with NumPy {made} on BLAS kernels {blas!r}; this is "
                    f"{np.__version__} on {blas_kernels()!r}: a stored row is compared on "
                    "the NumPy release and kernels that made it")
    if name in PARTLY_ASSERTED:
        _, _, _, names, left = PARTLY_ASSERTED[name]
        again = over_seeds(lambda seed: function(seed, names=names), seeds[:1])
        assert set(again.columns) | set(left) == set(stored.columns), (
            f"{name}: columns neither re-run here nor left to the notebook: "
            f"{sorted(set(stored.columns) - set(again.columns) - set(left))}")
        assert not set(again.columns) & set(left)
        expected = [stored.values[0][stored.columns.index(c)] for c in again.columns]
    elif name in SAME_RUN:
        same, part = SAME_RUN[name]
        names = tuple(c for c in stored.columns if c not in same)
        again = over_seeds(lambda seed: columns(part(seed, names), names), seeds[:1])
        assert set(again.columns) | set(same) == set(stored.columns)
        expected = [stored.values[0][stored.columns.index(c)] for c in again.columns]
    else:
        again = over_seeds(function, seeds[:1])
        assert again.columns == stored.columns
        expected = stored.values[0]
    np.testing.assert_allclose(again.values[0], expected, rtol=1e-7, atol=1e-9,
                               err_msg=f"{name}: re-run with tools/seed_tables.py {name}")


# The stored models are today's code's: each is trained again (chapter 22's two: about 8 s of
# CPU together, the SFT model's test reusing the base that the base's test trained) and
# compared with the stored file. Training amplifies round-off, so on BLAS kernels other than
# the ones that stored them the weights come out a little apart: with OpenBLAS's Sandybridge
# and Nehalem kernels (the files were made with Haswell's, NumPy 2.4) at most 1.1e-12 apart
# and the held-out loss 1.2e-14 apart (NumPy 1.26 and 2.5 gave the same bits). The tolerances
# leave four orders of magnitude over that and are far below what a change of the recipe
# moves: the SFT's lr 0.005 -> 0.00501 moves a weight by 3.6e-3 and the loss by 7.8e-4.
MODEL_WEIGHTS_ATOL = 1e-8         # the largest |difference| of any weight
MODEL_LOSS_ATOL = 1e-9            # the held-out loss (bits per character for chapter 22's)


def test_every_stored_model_is_declared_and_shipped():
    stored = sorted(p.name for p in MODELS_DIR.iterdir() if not p.name.startswith("."))
    assert stored == sorted(f"{name}.npz" for name in MODELS), (
        f"nnbook/experiments/models/ holds {stored}; the modules declare {sorted(MODELS)} "
        f"(STORED_MODELS): store them with tools/seed_tables.py --models")
    pyproject = (STORED_DIR.parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"models/*.npz"' in pyproject, "pyproject.toml's package-data leaves the models out"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_stored_model_is_todays_training(name):
    train, loss = MODELS[name]
    stored, again = stored_model(name), train()
    weights, trained = stored.get_weights(), again.get_weights()
    assert [w.shape for w in weights] == [w.shape for w in trained], (
        f"{name}: the stored model's weights have other shapes: store it again with "
        f"tools/seed_tables.py --models")
    gap = max(float(np.abs(w - t).max()) for w, t in zip(weights, trained))
    lost = loss(again) - loss(stored)
    assert gap <= MODEL_WEIGHTS_ATOL and abs(lost) <= MODEL_LOSS_ATOL, (
        f"{name}: trained again, a weight moved by {gap:.3g} and the held-out loss by "
        f"{lost:.3g}: store it with tools/seed_tables.py --models, then recompute the "
        f"tables and notebooks that start from it")
