"""The CI script: its version promises agree with pyproject.toml, its jobs run as it says.

`.ci/run` runs noxfile.py's `oldest` session, which tests the oldest supported stack with
`.ci/constraints-oldest.txt`.
That file must pin exactly the release series of pyproject.toml's lower bounds
(numpy>=1.26 <-> numpy==1.26.*), for every runtime dependency at least, and the
Python of the "oldest" session must be requires-python's lower bound; otherwise CI
would test a stack that nobody is promised, or miss the one that is.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the dev extra installs tomli for this
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
CI_RUN = ROOT / ".ci" / "run"
CONSTRAINTS = ROOT / ".ci" / "constraints-oldest.txt"
NOXFILE = ROOT / "noxfile.py"


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def project():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def lower_bounds(project):
    """{name: '1.26'} for every `name>=X` in the dependencies and extras."""
    bounds = {}
    for requirement in project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]:
        req = Requirement(requirement)
        for spec in req.specifier:
            if spec.operator == ">=":
                bounds[normalise(req.name)] = spec.version
    return bounds


def constraints():
    """{name: '1.26'} from the `name==X.*` lines of the constraints file."""
    pins = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9.]*)\.\*", line)
        assert match, f"{CONSTRAINTS.name}: {line!r} is not of the form name==X.Y.*"
        pins[normalise(match.group(1))] = match.group(2)
    return pins


def test_constraints_pin_exactly_the_lower_bounds(project):
    bounds, pins = lower_bounds(project), constraints()
    unknown = sorted(set(pins) - set(bounds))
    assert not unknown, f"{CONSTRAINTS.name} pins {unknown}, which pyproject.toml does not bound from below"
    differ = {name: (f">={bounds[name]}", f"=={pin}.*") for name, pin in pins.items() if bounds[name] != pin}
    assert not differ, (
        f"{CONSTRAINTS.name} and pyproject.toml disagree about the oldest versions "
        f"(pyproject, constraints): {differ}. Change both together."
    )


def test_every_runtime_dependency_is_tested_at_its_lower_bound(project):
    runtime = {normalise(Requirement(r).name) for r in project["dependencies"]}
    missing = sorted(runtime - set(constraints()))
    assert not missing, f"runtime dependencies without a pin in {CONSTRAINTS.name}: {missing}"


def test_oldest_job_uses_the_oldest_supported_python(project):
    oldest = re.search(r'^OLDEST_PYTHON = "(\S+)"', NOXFILE.read_text(encoding="utf-8"), re.M)
    assert oldest, "noxfile.py must set OLDEST_PYTHON"
    assert project["requires-python"] == f">={oldest.group(1)}", (
        f"requires-python is {project['requires-python']!r} but noxfile.py tests the oldest "
        f"stack on Python {oldest.group(1)}"
    )


NOT_IN_CI = {"fresh_seeds": "the claims on seeds drawn afresh at each run (tests/fresh_seeds.py)",
             "mutants": "the planted bugs, each re-running its chapters (tools/planted_bugs.py)"}


def test_ci_runs_every_nox_session_with_the_pinned_nox():
    """Each job of .ci/run but README's is a nox session of noxfile.py, run by a nox whose
    version .ci/requirements.txt pins (a new nox release must not change CI)."""
    sessions = set(re.findall(r"^@nox\.session\(.*\)\ndef (\w+)\(", NOXFILE.read_text(encoding="utf-8"),
                              re.M))
    # fresh_seeds draws new seeds at each run: random by design, so never part of CI
    script = CI_RUN.read_text(encoding="utf-8")
    default = re.search(r"^nox\.options\.sessions = (.*)$", NOXFILE.read_text(encoding="utf-8"),
                        re.M).group(1)
    for name in NOT_IN_CI:
        assert name in sessions and not re.search(rf"nox_session {name}\b", script), name
        assert f'"{name}"' not in default, f"{name} is random: not in nox's default sessions"
    sessions -= set(NOT_IN_CI)
    assert sessions == {"torch", "oldest", "newest", "browser"}, sessions
    for name in sessions:
        assert re.search(rf"^job_{name}\(\) {{(.*\n)*?.*nox_session {name}\b", script, re.M), name
    pins = [line.split("#", 1)[0].strip() for line in
            (ROOT / ".ci" / "requirements.txt").read_text(encoding="utf-8").splitlines()]
    assert [pin for pin in pins if pin] and all(
        re.fullmatch(r"[\w.-]+==[0-9][\w.]*", pin) for pin in pins if pin), pins
    assert any(pin.startswith("nox==") for pin in pins), pins


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash on this machine")
def test_ci_run_is_valid_bash():
    result = subprocess.run(["bash", "-n", str(CI_RUN)], capture_output=True, text=True)
    assert result.returncode == 0, f".ci/run has a syntax error:\n{result.stderr}"


def test_hypothesis_draws_the_same_examples_in_every_run(pytestconfig):
    """CI must not pass or fail by chance: unless a profile is named on the command line
    (--hypothesis-profile=explore draws new examples), hypothesis seeds each test from its
    name. A drawn case once failed CI at random (a gradient check's round-off)."""
    if pytestconfig.getoption("hypothesis_profile", None):
        pytest.skip("a hypothesis profile was named on the command line")
    from hypothesis import settings
    assert settings().derandomize is True
    assert settings().deadline is None


def fake_ci(tmp_path, jobs):
    """A copy of .ci/run whose jobs are the shell functions in ``jobs`` (job → body)."""
    (tmp_path / ".ci").mkdir()
    script = CI_RUN.read_text(encoding="utf-8")
    fakes = "".join(f"job_{name}() {{ {body}; }}\n" for name, body in jobs.items())
    assert script.endswith('main "$@"\n')
    (tmp_path / ".ci" / "run").write_text(script[: -len('main "$@"\n')] + fakes + 'main "$@"\n')
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    return tmp_path / ".ci" / "run"


def fake_env(tmp_path, **extra):
    """The environment for a fake_ci run: this one's, without a job choice, and with its
    artifacts in tmp_path. Inside CI's main job NNBOOK_ARTIFACTS names the real run's
    folder, and a fake run that inherited it truncated the real CPU timeline (session 64:
    the summary's cores line then covered only the run's last minutes)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NNBOOK_CI_JOBS", "NNBOOK_CI_SERIAL")}
    return {**env, "NNBOOK_ARTIFACTS": str(tmp_path / "ci-artifacts"),
            "NNBOOK_CI_HOST_SPEED": "0", **extra}    # its 2 s of CPU: only where it is tested


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_version_jobs_run_beside_main_and_their_failure_fails_ci(tmp_path):
    """oldest and newest run in the background while main and torch run (they overlap main
    instead of following it), both at once (one after the other, the second ran alone at
    the end), with one BLAS thread; their output comes after main's, and a failing one
    still fails the whole run, named in the summary."""
    run = fake_ci(tmp_path, {
        "main": 'sleep 2; echo "main-done workers=${MAIN_PYTEST_WORKERS:-}"',
        "torch": "echo torch-done",
        "oldest": 'sleep 2; echo "oldest threads=$OPENBLAS_NUM_THREADS pytest=${PYTEST_ARGS[*]}"',
        "newest": 'sleep 2; die "newest broke"'})
    started = time.monotonic()
    result = subprocess.run(["bash", str(run)], capture_output=True, text=True, timeout=60,
                            env=fake_env(tmp_path), cwd=tmp_path)
    took = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    # one pytest worker each: with -n auto, their four workers took main's pytest (README's
    # test command) from about 75 % of the CPU to 60 %
    assert out.index("main-done") < out.index("torch-done") < out.index("oldest threads=1 pytest=-n 1")
    # and main's pytest one worker more than the cores: 3 against their 2 on 2 cores, about
    # 82 % of the CPU instead of 75 % (README's test command took 27 min with 2)
    assert f"main-done workers={len(os.sched_getaffinity(0)) + 1}" in out, out
    summary = out.split("######## summary", 1)[1]
    assert re.search(r"main +passed", summary) and re.search(r"oldest +passed", summary)
    assert re.search(r"newest +FAILED .*newest broke", summary)
    assert took < 2 + 1.5, f"the version jobs did not run beside main and each other ({took:.1f} s)"


@pytest.mark.skipif(shutil.which("bash") is None or not os.path.exists("/proc/stat"),
                    reason="needs bash and /proc/stat")
def test_a_fake_run_keeps_its_cpu_timeline_out_of_the_real_runs(tmp_path, monkeypatch):
    """Run inside CI's main job (NNBOOK_ARTIFACTS set to the real run's folder), a fake run
    writes its timeline under its own folder and leaves the real one as it was."""
    real = tmp_path / "real-artifacts"
    real.mkdir()
    (real / "cpu-timeline.tsv").write_text("0\tcpu 1 2 3 4 5 6 7 8\n")
    monkeypatch.setenv("NNBOOK_ARTIFACTS", str(real))
    fake = tmp_path / "fake"
    fake.mkdir()
    run = fake_ci(fake, {name: "true" for name in ("main", "torch", "oldest", "newest")})
    result = subprocess.run(["bash", str(run)], capture_output=True, text=True, timeout=60,
                            env=fake_env(fake, NNBOOK_CI_SERIAL="1"), cwd=fake)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (real / "cpu-timeline.tsv").read_text() == "0\tcpu 1 2 3 4 5 6 7 8\n"
    assert (fake / "ci-artifacts" / "cpu-timeline.tsv").exists()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_serial_ci_runs_every_job_in_front_in_order(tmp_path):
    run = fake_ci(tmp_path, {name: f'echo "{name}-ran ${{PYTEST_ARGS[*]}}${{MAIN_PYTEST_WORKERS:+ workers}}"'
                             for name in ("main", "torch", "oldest", "newest")})
    result = subprocess.run(["bash", str(run)], capture_output=True, text=True, timeout=60,
                            env=fake_env(tmp_path, NNBOOK_CI_SERIAL="1",
                                         NNBOOK_CI_HOST_SPEED="1"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    order = re.findall(r"(\w+)-ran", result.stdout)
    assert order == ["main", "torch", "oldest", "newest"]
    # the host's speed against the reference machine's, in the summary
    assert re.search(r"^host speed: a fixed Python workload took \d+\.\d\d s of CPU .* "
                     r"\d+\.\d\d times as fast$", result.stdout, re.M), result.stdout
    assert re.findall(r"-ran (.*)", result.stdout) == [""] * 4  # alone, -n auto
    assert "workers" not in result.stdout                           # main's: the cores
    assert "beside" not in result.stdout


def test_main_hands_its_worker_count_to_readmes_test_command():
    """job_main runs README's command with PYTEST_XDIST_AUTO_NUM_WORKERS set from
    MAIN_PYTEST_WORKERS (only when set: alone, `-n auto` counts the cores)."""
    script = CI_RUN.read_text(encoding="utf-8")
    body = script.split("job_main() {", 1)[1].split("\n}\n", 1)[0]
    assert "${MAIN_PYTEST_WORKERS:+PYTEST_XDIST_AUTO_NUM_WORKERS=$MAIN_PYTEST_WORKERS}" in body
    assert 'bash -c "$command"' in body.split("PYTEST_XDIST_AUTO_NUM_WORKERS=", 1)[1]


def load_tests_conftest():
    """tests/conftest.py as a module of its own (the root conftest.py is also `conftest`)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("nnbook_tests_conftest", ROOT / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_version_jobs_leave_out_what_does_not_depend_on_the_stack():
    """oldest and newest run the notebooks and the library's unit tests, but neither the
    browser tests nor those marked stack_independent, which README's test command (main)
    runs."""
    text = NOXFILE.read_text(encoding="utf-8")
    assert re.search(r'^VERSION_TESTS = "not browser and not stack_independent"$', text, re.M)
    bodies = {session: re.search(rf"^def {session}\(session\):\n((?:    .*\n|\n)*)", text,
                                 re.M).group(1) for session in ("oldest", "newest")}
    for session, body in bodies.items():
        assert (f'pytest(session, "-m", VERSION_TESTS, *version_notebooks("{session}"), '
                '*version_unit_tests())') in body


def load_version_notebooks():
    """noxfile.py's version_notebooks, without importing nox (not in ".[dev]")."""
    import ast
    import os
    tree = ast.parse(NOXFILE.read_text(encoding="utf-8"))
    node, = [n for n in tree.body if isinstance(n, ast.FunctionDef)
             and n.name == "version_notebooks"]
    space = {"ROOT": ROOT, "os": os}
    exec(compile(ast.Module([node], type_ignores=[]), str(NOXFILE), "exec"), space)
    return space["version_notebooks"]


def test_the_version_jobs_share_the_chapters_each_runs_once(monkeypatch):
    """Every chapter notebook runs in exactly one version job (besides main): catches a
    chapter in neither (never on another stack or kernel), one in both (the CPU the split
    saves spent again), a path pytest would not find, and NNBOOK_EVERY_NOTEBOOK=1 ignored."""
    version_notebooks = load_version_notebooks()
    monkeypatch.delenv("NNBOOK_EVERY_NOTEBOOK", raising=False)
    chapters = sorted(p.relative_to(ROOT).as_posix()
                      for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    oldest, newest = version_notebooks("oldest"), version_notebooks("newest")
    assert sorted(oldest + newest) == chapters
    assert not set(oldest) & set(newest) and abs(len(oldest) - len(newest)) <= 1
    assert all((ROOT / p).is_file() for p in oldest + newest)
    monkeypatch.setenv("NNBOOK_EVERY_NOTEBOOK", "1")
    assert version_notebooks("oldest") == version_notebooks("newest") == chapters


def test_the_version_jobs_run_the_librarys_unit_tests_and_no_others():
    """The version jobs' unit tests are the library's: every pattern VERSION_UNIT_TESTS
    holds names a file (a renamed file would drop out silently), the layers', optimizers',
    training's and the every-module import's are among them, and the exercise report's,
    the arena's and the tools' are not (main runs those)."""
    import ast
    import fnmatch
    tree = ast.parse(NOXFILE.read_text(encoding="utf-8"))
    patterns, = [ast.literal_eval(node.value) for node in tree.body
                 if isinstance(node, ast.Assign)
                 and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["VERSION_UNIT_TESTS"]]
    chosen = {p.name for pattern in patterns for p in (ROOT / "tests").glob(pattern)}
    for pattern in patterns:
        assert any(fnmatch.fnmatch(name, pattern) for name in chosen), pattern
    assert {"test_layers_dense.py", "test_optimizers.py", "test_training_model.py",
            "test_saving.py", "test_data_language.py", "test_namespaces.py"} <= chosen
    assert not {n for n in chosen if n.startswith(("test_exercises", "test_arena", "test_ci",
                                                   "test_readme", "test_bench"))}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.split("```")[3].rstrip().endswith("&& python -m pytest"), (
        "README's test command must run every test, the stack-independent ones included")


def test_stack_independent_marker_names_files_and_tests_that_exist():
    """A renamed file or test would silently run on every stack again (or never, if it
    moved into the list by mistake): every pattern matches a test file, every named test
    is defined in its file."""
    tests = ROOT / "tests"
    conftest = load_tests_conftest()
    STACK_INDEPENDENT_FILES, STACK_INDEPENDENT_TESTS = (conftest.STACK_INDEPENDENT_FILES,
                                                        conftest.STACK_INDEPENDENT_TESTS)
    for pattern in STACK_INDEPENDENT_FILES:
        assert list(tests.glob(pattern)), f"tests/conftest.py: no test file matches {pattern}"
    for name, functions in STACK_INDEPENDENT_TESTS.items():
        text = (tests / name).read_text(encoding="utf-8")
        for function in functions:
            function, _, case = function.partition("[")
            assert re.search(rf"^def {function}\(", text, re.M), f"{name} has no {function}"
            if case:                       # one case of a parametrized test: it is collected
                listed = subprocess.run(
                    [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0",
                     "--collect-only", "-q", f"tests/{name}::{function}"],
                    cwd=ROOT, capture_output=True, text=True, timeout=300).stdout
                assert f"::{function}[{case}\n" in listed, f"{name} has no {function}[{case}"


def test_stack_independent_marker_is_set_by_file(pytestconfig):
    """The marker reaches the tests of the listed files and no others (a claim test
    anywhere included), and never a notebook."""
    is_stack_independent = load_tests_conftest().is_stack_independent

    class Item:
        def __init__(self, path, name, claim=False, case=""):
            self.path, self.originalname, self.claim = Path(path), name, claim
            self.name = f"{name}[{case}]" if case else name

        def get_closest_marker(self, marker):
            return object() if marker == "claim" and self.claim else None

    assert is_stack_independent(Item("tests/test_claims_over_seeds_07_14.py", "test_x"))
    assert is_stack_independent(Item("tests/test_experiments.py", "test_first_stored_seed_is_reproduced"))
    assert is_stack_independent(Item(
        "tests/test_exercises_report.py", "test_the_committed_notebooks_have_every_exercise_not_attempted"))
    assert not is_stack_independent(Item("tests/test_exercises_report.py", "test_the_table"))
    assert is_stack_independent(Item("tests/test_exercises_report_attacks.py", "test_no_attack_earns_a_tick"))
    assert not is_stack_independent(Item("tests/test_exercises_report_attacks.py",
                                         "test_each_answer_is_read_after_its_own_cell"))
    assert not is_stack_independent(Item("tests/test_layers_dense.py", "test_forward"))
    assert is_stack_independent(Item("tests/test_layers_dense.py", "test_forward", claim=True))
    # one case of a parametrized test, named with its id, and not the test's other cases
    worked = "test_the_worked_solution_is_accepted"
    assert is_stack_independent(Item("tests/test_exercises.py", worked, case="37.1"))
    assert not is_stack_independent(Item("tests/test_exercises.py", worked, case="03.1"))
    assert not is_stack_independent(Item("notebooks/05_xor.ipynb", "Cell 3"))


def test_the_version_jobs_force_a_kernel_family_without_fma():
    """oldest and newest each run on OpenBLAS kernels without fused multiply-adds (AVX or
    SSE), which no x86 machine of the last decade defaults to, so every notebook (each runs
    in main and in one version job) meets a kernel other than main's, and a stored output
    that shows a product's last bits fails in CI on any machine (main keeps the machine's
    own). Catches a session that drops its force_kernel call, or forces an FMA family, which
    may be the machine's own (Haswell is an EPYC's without AVX-512)."""
    text = NOXFILE.read_text(encoding="utf-8")
    forced = re.search(r"^FORCED_KERNELS = (\{.*?\})$", text, re.M)
    assert forced, "noxfile.py must set FORCED_KERNELS"
    kernels = eval(forced.group(1))                              # a literal dict of names
    assert set(kernels) == {"oldest", "newest"}, kernels
    assert set(kernels.values()) <= {"Sandybridge", "Nehalem", "Core2", "Prescott"}, kernels
    for session in ("oldest", "newest"):
        body = re.search(rf"^def {session}\(session\):.*?(?=^@|\Z)", text, re.M | re.S).group(0)
        assert f'force_kernel(session, FORCED_KERNELS["{session}"])' in body, session
        assert body.index("force_kernel") < body.index("pytest(session"), session
