"""CI jobs beyond README's two commands, as nox sessions: `nox -s torch` runs one.

Install the pinned runner once (`python -m pip install -r .ci/requirements.txt`), then:

    nox -l                 list the sessions
    nox -s torch           the PyTorch bridge, the parity tests and notebooks/extras
    nox -s oldest          Python 3.10 with the oldest supported stack
    nox -s newest          Python 3.13 with the newest releases
    nox -s browser         only the JupyterLab-in-Chromium test
    nox -s oldest -- -x    what follows -- goes to pytest

Each session makes its own virtual environment under .nox/ (`nox -r` reuses it).
`bash .ci/run` runs torch and browser with `--no-venv` inside the .venv that README's
test command made (which already holds ".[dev]"), and oldest and newest in venvs of their
own. See "CI" in CONTRIBUTING.md.
"""

import glob
import os
import shutil
import subprocess
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
OLDEST_PYTHON = "3.10"  # = requires-python in pyproject.toml (tests/test_ci.py checks it)
NEWEST_PYTHON = "3.13"  # the newest Python that README.md promises
MAIN_PYTHON = "3.11"  # the only offline PyTorch wheel here is cp311
TORCH_PIN = "torch==2.13.0"  # the CPU wheel, found through pip's find-links
# What the version jobs run: half the notebooks each under nbval (version_notebooks) and the
# library's unit tests (VERSION_UNIT_TESTS), but not the browser tests nor the tests marked
# stack_independent (tests/conftest.py: the claims over seeds, the stored tables' re-runs,
# the repository-file checks, the exercise report over every notebook), which README's test
# command runs once, in main.
VERSION_TESTS = "not browser and not stack_independent"
# Each version job forces an OpenBLAS kernel family other than the machine's default, so a
# stored output that depends on the last bits of a product fails in CI on any machine
# (issue 76): Sandybridge, AVX without fused multiply-adds, whose products round each
# multiply and each add as SSE's do (every x86-64 CPU since 2011 runs it, and none of the
# last decade defaults to it). Both jobs force it because each notebook runs in main and in
# one version job only: a notebook of either half meets a second kernel. Main keeps the
# machine's own (AVX-512 on the CI machine, AVX2 on an EPYC without it). Nehalem's SSE
# kernels took a quarter more CPU on the BLAS-bound notebooks (session 62).
FORCED_KERNELS = {"oldest": "Sandybridge", "newest": "Sandybridge"}
# The version jobs run only the unit tests of the library a learner imports (these files).
# What else they would add is the tooling's tests on another Python and stack (the exercise
# report's kernels and processes, the arena's processes, the explorables' redraws, the
# tools' own tests), which main runs on Python 3.11 and its own releases (main's venv takes
# the newest release of each dependency when it is made, newest's is upgraded on every
# run, so their releases can differ: the summary prints both); tests/test_namespaces.py
# imports every module of nnbook on each stack, its tooling's too.
VERSION_UNIT_TESTS = ["test_api.py", "test_namespaces.py", "test_init.py", "test_validate.py",
                      "test_layers_*.py", "test_optimizers*.py", "test_training_*.py",
                      "test_saving*.py", "test_kernels_*.py", "test_precision_*.py",
                      "test_gradcheck.py", "test_autodiff.py", "test_custom_layers.py",
                      "test_sequence_training.py", "test_evaluation*.py", "test_inference_*.py",
                      "test_interpret_*.py", "test_plot*.py", "test_data*.py",
                      "test_generative_*.py", "test_diagrams*.py", "test_walk_calls.py",
                      "test_registry.py", "test_diagnostics.py", "test_probes_*.py"]
VERSIONS_OF = ["numpy", "matplotlib", "scikit-learn", "pytest", "nbval", "ipykernel",
               "jupyterlab", "playwright", "torch"]

nox.options.default_venv_backend = "venv"  # a plain venv, never the host's site-packages
nox.options.download_python = "never"
nox.options.error_on_missing_interpreters = True  # a missing Python fails, never skips
nox.options.sessions = ["torch", "oldest", "newest"]


def find_python(version, variable):
    """The real path of a Python `version`: $variable, else the first that runs of
    pythonX.Y on PATH and ~/.pyenv/versions/X.Y.* (a pyenv shim exists even when it
    cannot run). Returns `version` itself when none runs: nox then fails, naming it."""
    if os.environ.get(variable):
        return os.environ[variable]
    pyenv = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")),
                   key=lambda p: [int(x) for x in Path(p).parents[1].name.split(".") if x.isdigit()],
                   reverse=True)
    check = f"import sys; assert sys.version_info[:2] == {tuple(map(int, version.split('.')))}; " \
            "print(sys.executable)"
    for candidate in [shutil.which(f"python{version}")] + pyenv:
        if candidate is None:
            continue
        found = subprocess.run([candidate, "-c", check], capture_output=True, text=True)
        if found.returncode == 0:
            return found.stdout.strip()
    return version


def prepare(session):
    """Nothing of the host's Python setup leaks in; matplotlib's font cache and IPython's
    folder go inside the venv (a shared font cache names fonts of deleted venvs, and its
    warning on stderr fails nbval). PYTHONDONTWRITEBYTECODE goes too: install_dev's
    --no-compile counts on Python writing each module's bytecode on its first import (with
    it, every kernel compiled everything it imported again: see .ci/run). In a --no-venv run
    the caller's settings stay."""
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PIP_USER", "MPLBACKEND",
                 "PYTHONDONTWRITEBYTECODE"):
        session.env[name] = None  # MPLBACKEND=Agg would drop the notebooks' figures
    session.env["PYTHONNOUSERSITE"] = "1"
    if session.venv_backend != "none":
        location = Path(session.virtualenv.location)
        session.env["MPLCONFIGDIR"] = str(location / "mplconfig")
        session.env["IPYTHONDIR"] = str(location / "ipython")


def install_dev(session, *pip_args):
    """pip install PIP_ARGS -e ".[dev]", then print the versions that matter.

    --no-compile: pip would byte-compile every module of every package (JupyterLab's,
    Sphinx's, SciPy's…), and a test run imports a fraction of them, which Python compiles on
    first import anyway (and writes: prepare() drops PYTHONDONTWRITEBYTECODE). Into a fresh Python 3.13 venv on the 2-core machine: 61 s (51 s of
    CPU) with compiling, 34 s (24 s) without (issue 52)."""
    if session.venv_backend != "none":  # --no-venv: the caller's env already has .[dev]
        session.run_install("python", "-m", "pip", "install", "--progress-bar", "off",
                            "--no-compile", *pip_args, "-e", ".[dev]")
    # nbval runs the notebooks with --nbval-current-env: this env needs a kernel.
    session.run("python", "-c", "import ipykernel, nbval", silent=True)


def report_versions(session):
    """One line with the versions that matter; also written to $NNBOOK_VERSIONS_FILE
    (.ci/run puts it in its summary)."""
    script = (
        "import importlib.metadata as md, sys\n"
        "found = []\n"
        f"for n in {VERSIONS_OF!r}:\n"
        "    try:\n"
        "        found.append(f'{n} {md.version(n)}')\n"
        "    except md.PackageNotFoundError:\n"
        "        pass\n"
        "print('Python', sys.version.split()[0], '|', ', '.join(found))\n"
    )
    line = session.run("python", "-c", script, silent=True)
    if line is None:  # nox --install-only runs no command
        return
    line = line.strip()
    print(line)
    if os.environ.get("NNBOOK_VERSIONS_FILE"):
        Path(os.environ["NNBOOK_VERSIONS_FILE"]).write_text(line + "\n", encoding="utf-8")


def cpu_flags():
    """The x86 CPU's flags (from /proc/cpuinfo), or an empty set elsewhere."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    line = next((l for l in text.splitlines() if l.startswith("flags")), "")
    return set(line.partition(":")[2].split())


def force_kernel(session, family):
    """Set OPENBLAS_CORETYPE=family for the session's tests, when this CPU runs it (Haswell
    needs AVX2 and FMA, Sandybridge AVX, Nehalem SSE 4.2), then check with threadpoolctl that
    NumPy's OpenBLAS took it: a run that silently kept the default kernels would not be
    the check it claims. Elsewhere (ARM, no OpenBLAS) it says so and keeps the default."""
    flags = cpu_flags()
    needs = {"Haswell": {"avx2", "fma"}, "Sandybridge": {"avx"},
             "Nehalem": {"sse4_2"}}.get(family, set())
    if not flags or not needs <= flags:
        print(f"OpenBLAS kernel: not forced ({family} needs {sorted(needs)}, which this "
              "CPU does not report); the machine's default runs")
        return
    session.env["OPENBLAS_CORETYPE"] = family
    check = ("from nnbook.experiments.seeds import blas_kernels; k = blas_kernels(); "
             "print('OpenBLAS kernel:', k); "
             f"assert k.lower() == 'openblas {family.lower()}', "
             f"'OPENBLAS_CORETYPE={family} was set but NumPy runs ' + k")
    if session.run("python", "-c", check, silent=True) is not None:
        print(f"OpenBLAS kernel: {family} (forced with OPENBLAS_CORETYPE; threadpoolctl agrees)")


def pytest(session, *args):
    """python -m pytest ARGS, then what follows `--` on nox's command line
    (`nox -s browser -- -k 05_xor` runs one notebook)."""
    session.run("python", "-m", "pytest", *args, *session.posargs)


@nox.session(python=find_python(MAIN_PYTHON, "PYTHON"))
def torch(session):
    """The PyTorch bridge, every layer's parity with PyTorch, and notebooks/extras."""
    prepare(session)
    install_dev(session)
    # A plain `torch` would pull the CUDA build, several GB.
    session.run_install("python", "-m", "pip", "install", "--progress-bar", "off", TORCH_PIN)
    report_versions(session)
    parity = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("tests/test_torch_parity_*.py"))
    pytest(session, "tests/test_torch_bridge.py", *parity, "notebooks/extras")


@nox.session(python=find_python(OLDEST_PYTHON, "PYTHON_OLDEST"))
def oldest(session):
    """Python 3.10 with the oldest supported stack (.ci/constraints-oldest.txt: the
    lower bounds of pyproject.toml), on OpenBLAS's AVX kernels without FMA (FORCED_KERNELS);
    the even-numbered chapters (version_notebooks) and the library's unit tests
    (VERSION_UNIT_TESTS), but not the browser's nor those that do not depend on the stack
    (they ran in main)."""
    prepare(session)
    install_dev(session, "-c", ".ci/constraints-oldest.txt")
    report_versions(session)
    force_kernel(session, FORCED_KERNELS["oldest"])
    pytest(session, "-m", VERSION_TESTS, *version_notebooks("oldest"), *version_unit_tests())


@nox.session(python=find_python(NEWEST_PYTHON, "PYTHON_NEWEST"))
def newest(session):
    """Python 3.13 with the newest releases, on OpenBLAS kernels without FMA (FORCED_KERNELS);
    the odd-numbered chapters (version_notebooks) and the library's unit tests
    (VERSION_UNIT_TESTS), but not the browser's nor those that do not depend on the stack
    (they ran in main)."""
    prepare(session)
    install_dev(session, "--upgrade")  # a fresh venv gets the newest releases
    report_versions(session)
    force_kernel(session, FORCED_KERNELS["newest"])
    pytest(session, "-m", VERSION_TESTS, *version_notebooks("newest"), *version_unit_tests())


def version_notebooks(job):
    """The chapter notebooks a version job runs: oldest the even-numbered chapters, newest
    the odd (about 580 and 450 s of CPU on the 2-core machine, 2026-12-01), so each notebook
    runs twice in CI, in main and on one other stack and kernel, not three times: running
    every notebook in both took about 1,000 s of CPU more, a sixth of CI's. With
    NNBOOK_EVERY_NOTEBOOK=1 (`NNBOOK_EVERY_NOTEBOOK=1 nox -s oldest`) a job runs them all.
    notebooks/extras needs PyTorch, which only the torch job installs."""
    chapters = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if os.environ.get("NNBOOK_EVERY_NOTEBOOK") != "1":
        parity = {"oldest": 0, "newest": 1}[job]
        chapters = [p for p in chapters if int(p.name[:2]) % 2 == parity]
    return [str(p.relative_to(ROOT)) for p in chapters]


def version_unit_tests():
    """The test files VERSION_UNIT_TESTS names, as paths from the repository's folder."""
    found = {p for pattern in VERSION_UNIT_TESTS for p in (ROOT / "tests").glob(pattern)}
    return sorted(str(p.relative_to(ROOT)) for p in found)


@nox.session(python=find_python(MAIN_PYTHON, "PYTHON"))
def browser(session):
    """Only the JupyterLab test: every notebook opened in JupyterLab in headless Chromium
    (with its stored outputs; two run with Run All) and the explorables' sliders
    (Debian's chromium, or $NNBOOK_CHROMIUM; screenshots go to $NNBOOK_ARTIFACTS)."""
    chromium = os.environ.get("NNBOOK_CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        session.error(f"Chromium is missing ({chromium}): run 'sudo apt-get install chromium' "
                      "(or set NNBOOK_CHROMIUM)")
    prepare(session)
    install_dev(session)
    report_versions(session)
    pytest(session, "-m", "browser", "tests/test_jupyterlab.py")
    artifacts = os.environ.get("NNBOOK_ARTIFACTS", str(ROOT / "ci-artifacts"))
    print(f"screenshots: {artifacts}/screenshots")


@nox.session(python=find_python(MAIN_PYTHON, "PYTHON"), default=False)
def mutants(session):
    """The planted bugs of tests/planted_bugs/catalogue.py (issue 54): each applied to a
    scratch copy, its chapters' notebooks (--nbval-lax) and tests run; ends with
    `planted bugs caught: K/N` and fails when one survives. `nox -s mutants -- ID …` runs
    some; not in CI's default sessions (about 25 minutes on 2 cores)."""
    prepare(session)
    install_dev(session)
    report_versions(session)
    session.run("python", "tools/planted_bugs.py", *session.posargs)


# -- fresh_seeds: every claim over seeds on seeds nobody chose (not in CI's default sessions) --
FRESH_SEEDS_SCRIPT = "tests/fresh_seeds.py"  # draws the seeds, runs two pytest processes


@nox.session(python=find_python(MAIN_PYTHON, "PYTHON"), default=False)
def fresh_seeds(session):
    """Every test marked `claim` (tests/test_claims_over_seeds_*.py) on N seeds drawn afresh
    (10; `-- --seeds 20` for more, `-- --seed-list 123400,567800` or `--seed-base B` to
    reproduce a run); the seeds are printed first. Prints each claim's stated rate beside its
    fresh rate and fails when a claim stated for every seed fails on one, or a stated k of n
    is inconsistent with the fresh count by a two-sided Fisher exact test (simultaneous at
    95 % over the run's stated rates: each at p <= 0.05/m, Bonferroni). Random by design: not part
    of CI's pass/fail (see "Claims over seeds" in CONTRIBUTING.md)."""
    prepare(session)
    install_dev(session)
    report_versions(session)
    session.env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                        "MKL_NUM_THREADS": "1"})
    session.run("python", FRESH_SEEDS_SCRIPT, *session.posargs)
