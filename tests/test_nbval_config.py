"""The test setup itself: the nbval sanitize file, and how notebooks are
collected and run (checkpoints ignored, extras skipped without torch,
raises-exception honoured), checked on a throw-away project."""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the dev extra installs tomli for this
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def sanitize_rules():
    # The same pattern nbval uses to read the file (nbval.plugin.get_sanitize_patterns).
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", SANITIZE.read_text(), flags=re.M)


def sanitize(text):
    for regex, replace in sanitize_rules():
        text = re.sub(regex, replace, text)
    return text


def test_sanitize_file_is_used_with_an_absolute_path(request):
    used = request.config.option.nbval_sanitize_with
    assert used is not None and Path(used).is_absolute() and Path(used).is_file(), used


def test_sanitize_rewrites_memory_addresses_only():
    assert len(sanitize_rules()) == 1, "keep the sanitize file narrow (memory addresses)"
    a = sanitize("<function f at 0x7f3a2b1c9d30>")
    b = sanitize("<function f at 0x7fe0c8a41ee0>")
    assert a == b == "<function f at 0xADDRESS>"
    for kept in ("0.30000000000000004", "0xff", "loss 0.1234, acc 0.9712", "[[1 0 -1]]"):
        assert sanitize(kept) == kept


def notebook(cells):
    """A minimal nbformat 4 notebook with the given (source, outputs, tags) code cells."""
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {"cell_type": "code", "id": f"c{i}", "execution_count": i, "source": src,
             "outputs": outs, "metadata": {"tags": tags} if tags else {}}
            for i, (src, outs, tags) in enumerate(cells, start=1)
        ],
    }


def stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_notebooks_folder_holds_only_the_course():
    """What JupyterLab's file browser shows a learner: notebooks and the scripts they run, no
    test machinery. A .py file there must be named by a notebook beside it (extras' DDP script
    is started by the notebook with torchrun) and must not be a pytest file."""
    for script in (ROOT / "notebooks").rglob("*.py"):
        assert not script.name.startswith(("conftest", "test_")), (
            f"{script}: pytest hooks belong in the root conftest.py")
        neighbours = "".join(nb.read_text(encoding="utf-8")
                             for nb in script.parent.glob("*.ipynb"))
        assert f'\\"{script.name}\\"' in neighbours or f"`{script.name}" in neighbours, (
            f"{script}: no notebook beside it runs it; move it out of notebooks/")


def test_notebook_collection_on_a_scratch_project(tmp_path):
    """One real nbval run (one kernel, about 2 s) on a copy of our configuration (the root
    conftest.py reads the table of chapters for its chNN markers, and puts the kernel start
    of tests/nbval_kernel.py in place of nbval's: both copied too)."""
    for name in ("pyproject.toml", "conftest.py", "tests/nbval_sanitize.cfg",
                 "tests/nbval_kernel.py", "tools/chapters.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    error = {"output_type": "error", "ename": "ValueError", "evalue": "on purpose", "traceback": []}
    # The last cell reads what the kernel of a parallel run inherits from its worker: one
    # BLAS thread (the root conftest.py), with none set by the caller (env below).
    blas = "import os; print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    (nbdir / "ok.ipynb").write_text(json.dumps(notebook([
        ("print(repr(object()))", [stream("<object object at 0x7f0000000000>\n")], None),
        ("raise ValueError('on purpose')", [error], ["raises-exception"]),
        ("print('after')", [stream("after\n")], None),
        (blas, [stream("1\n")], None),
    ])))
    # These would fail if they were run: a checkpoint copy must never be
    # collected, and an extras notebook is skipped when torch is missing
    # (with torch installed, it would run: leave it out to save a kernel).
    torch_missing = importlib.util.find_spec("torch") is None
    wrong = json.dumps(notebook([("print(1)", [stream("2\n")], None)]))
    for name in [".ipynb_checkpoints/ok-checkpoint.ipynb"] + ["extras/needs_torch.ipynb"] * torch_missing:
        (nbdir / name).parent.mkdir()
        (nbdir / name).write_text(wrong)

    result = subprocess.run(
        # generous limits (a hang still fails): under load this run was measured at 33 s
        # (5 s quiet), and nbval gives a kernel 60 s to start by default. One xdist worker:
        # a parallel run as addopts' -n auto makes one (the BLAS cell reads what its kernel
        # inherits from the worker), without a pytest start per core for two notebooks
        # (CI's main job starts 3)
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q", "-n", "1",
         "--nbval-kernel-startup-timeout=600", "notebooks"],
        cwd=tmp_path, capture_output=True, text=True, timeout=1200,
        env={k: v for k, v in os.environ.items() if k not in BLAS_THREADS},
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "checkpoint" not in out, out
    assert "4 passed" in out, out
    if torch_missing:
        assert "1 skipped" in out and "needs PyTorch" in out, out


@pytest.mark.skipif(importlib.util.find_spec("nbconvert") is None, reason="nbconvert not installed")
def test_run_notebooks_strips_volatile_metadata():
    import nbformat

    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools" / "run_notebooks.py")
    run_notebooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_notebooks)

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1", metadata={
        "execution": {"iopub.status.busy": "2024-01-01T00:00:00Z"}, "ExecuteTime": {}, "tags": ["x"]})]
    run_notebooks.strip_volatile_metadata(nb)
    assert nb.cells[0].metadata == {"tags": ["x"]}
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_a_parallel_run_keeps_each_notebook_whole_on_one_worker():
    """pyproject's addopts run the tests on every core (pytest-xdist), and hand out whole
    files: nbval runs a notebook's cells in one kernel, in order, so a worker that got only
    some of them would run a cell without the variables the cells above it made."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        addopts = tomllib.load(f)["tool"]["pytest"]["ini_options"]["addopts"]
    assert "-n" in addopts, "addopts: run the tests on every core (-n auto)"
    dist = addopts[addopts.index("--dist") + 1] if "--dist" in addopts else "load"
    assert dist in ("loadfile", "loadscope"), (
        f"addopts: --dist {dist} may split a notebook's cells over workers; use loadfile")
