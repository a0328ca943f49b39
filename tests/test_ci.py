"""The CI script's version promises agree with pyproject.toml.

`.ci/run` tests the oldest supported stack with `.ci/constraints-oldest.txt`.
That file must pin exactly the release series of pyproject.toml's lower bounds
(numpy>=1.26 <-> numpy==1.26.*), for every runtime dependency at least, and the
Python of the "oldest" job must be requires-python's lower bound; otherwise CI
would test a stack that nobody is promised, or miss the one that is.
"""

import re
import shutil
import subprocess
import sys
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
    oldest = re.search(r"^OLDEST_PYTHON=(\S+)", CI_RUN.read_text(encoding="utf-8"), re.M)
    assert oldest, ".ci/run must set OLDEST_PYTHON"
    assert project["requires-python"] == f">={oldest.group(1)}", (
        f"requires-python is {project['requires-python']!r} but .ci/run tests the oldest stack "
        f"on Python {oldest.group(1)}"
    )


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
