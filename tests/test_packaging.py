"""Packaging checks: pyproject.toml and environment.yml agree, the runtime
dependencies stay NumPy and Matplotlib, and `import nnbook` stays light."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the dev extra installs tomli for this
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]

# Conda-only entries of environment.yml that have no pyproject counterpart.
CONDA_ONLY = {"python", "pip"}


def normalise(name):
    """PEP 503 name: lowercase, every run of -, _ and . becomes one -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pep508_name_and_spec(requirement):
    """'NumPy >= 1.26 ; python_version < "3.11"' -> ('numpy', '>=1.26')."""
    req = Requirement(requirement)
    return normalise(req.name), str(req.specifier)


def conda_name_and_spec(entry):
    """'numpy>=1.26' or 'numpy >=1.26' (a conda match spec) -> ('numpy', '>=1.26')."""
    match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*?)\s*", entry)
    assert match, f"environment.yml: cannot read the dependency {entry!r}"
    name, spec = match.groups()
    return normalise(name), spec.replace(" ", "")


@pytest.fixture(scope="module")
def pyproject():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def conda_env():
    with open(ROOT / "environment.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def pyproject_requirements(pyproject):
    """Runtime dependencies plus the dev extra: what environment.yml must hold."""
    project = pyproject["project"]
    return project["dependencies"] + project["optional-dependencies"]["dev"]


def conda_entries(conda_env):
    """(package strings, pip entries) from environment.yml. A package that conda-forge
    does not have is listed under `pip:` (like `name>=1.0`) and counts as a package too."""
    packages, pip_entries = [], []
    for entry in conda_env["dependencies"]:
        if isinstance(entry, dict):
            pip_entries += entry.get("pip", [])
        else:
            packages.append(str(entry))
    packages += [e for e in pip_entries if not str(e).lstrip().startswith("-")]
    return packages, pip_entries


def test_metadata(pyproject):
    project = pyproject["project"]
    assert project["name"] == "nnbook"
    assert project["version"] == "0.1.0"
    assert project["requires-python"] == ">=3.10"
    assert pyproject["build-system"]["build-backend"] == "setuptools.build_meta"


def test_runtime_dependencies_are_numpy_and_matplotlib_only(pyproject):
    names = sorted(pep508_name_and_spec(r)[0] for r in pyproject["project"]["dependencies"])
    assert names == ["matplotlib", "numpy"], (
        f"nnbook's runtime dependencies must be exactly numpy and matplotlib, got {names}. "
        "Put course or test tools in an extra of pyproject.toml instead."
    )


def test_no_exact_or_upper_pins(pyproject):
    project = pyproject["project"]
    every = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    pinned = [r for r in every
              if any(s.operator in ("==", "===", "~=", "<", "<=") for s in Requirement(r).specifier)]
    assert not pinned, f"use lower bounds only (>=), found exact or upper pins: {pinned}"


def test_dev_extra_contains_course_extra(pyproject):
    extras = pyproject["project"]["optional-dependencies"]
    course = {pep508_name_and_spec(r) for r in extras["course"]}
    dev = {pep508_name_and_spec(r) for r in extras["dev"]}
    missing = sorted(course - dev)
    assert not missing, f"the dev extra must include the course extra; missing from dev: {missing}"


def test_environment_yml_lists_the_same_packages(pyproject, conda_env):
    wanted = {pep508_name_and_spec(r)[0] for r in pyproject_requirements(pyproject)}
    packages, _ = conda_entries(conda_env)
    present = {conda_name_and_spec(p)[0] for p in packages} - CONDA_ONLY
    only_pyproject = sorted(wanted - present)
    only_conda = sorted(present - wanted)
    assert not (only_pyproject or only_conda), (
        "environment.yml and pyproject.toml (runtime + dev extra) disagree:\n"
        f"  only in pyproject.toml: {only_pyproject}\n"
        f"  only in environment.yml: {only_conda}\n"
        "Add or remove the package in both files."
    )


def test_environment_yml_uses_the_same_lower_bounds(pyproject, conda_env):
    wanted = dict(pep508_name_and_spec(r) for r in pyproject_requirements(pyproject))
    packages, _ = conda_entries(conda_env)
    present = dict(conda_name_and_spec(p) for p in packages)
    differ = {
        name: (wanted[name], present[name])
        for name in wanted.keys() & present.keys()
        if wanted[name] != present[name]
    }
    assert not differ, (
        "version bounds differ (pyproject.toml, environment.yml): "
        + ", ".join(f"{n}: {a!r} vs {b!r}" for n, (a, b) in sorted(differ.items()))
    )


def test_environment_yml_basics(conda_env):
    assert conda_env["name"] == "nnbook"
    assert conda_env["channels"] == ["conda-forge"]
    packages, pip_entries = conda_entries(conda_env)
    assert conda_name_and_spec(next(p for p in packages if p.startswith("python")))[1] == ">=3.10"
    editable = [e.replace('"', "").replace("'", "").replace(" ", "") for e in pip_entries]
    assert "-e.[dev]" in editable, (
        f"environment.yml must install nnbook itself with pip (`-e .[dev]`), found {pip_entries}"
    )


def test_pytest_options(pyproject):
    options = pyproject["tool"]["pytest"]["ini_options"]
    assert options["testpaths"] == ["tests", "notebooks"]
    assert options["addopts"][:2] == ["--nbval", "--nbval-current-env"]
    assert "--nbval-lax" not in options["addopts"], "lax mode compares nothing; keep nbval strict"
    assert ["-p", "no:randomly"] == options["addopts"][2:4]
    # Setting norecursedirs replaces pytest's default; ".*" keeps .venv, .git
    # and .ipynb_checkpoints out of the collection.
    assert ".*" in options["norecursedirs"]


def test_the_early_plugin_kept_jsonschemas_iri_grammars_out(pyproject):
    """addopts loads nnbook.exercises._pytest_early before nbval: this process never imported
    rfc3987_syntax (2 s of CPU per pytest process when it does; None marks it absent)."""
    addopts = pyproject["tool"]["pytest"]["ini_options"]["addopts"]
    pairs = list(zip(addopts, addopts[1:]))
    assert ("-p", "nnbook.exercises._pytest_early") in pairs, addopts
    assert sys.modules.get("rfc3987_syntax", None) is None, (
        "rfc3987_syntax was imported: -p nnbook.exercises._pytest_early must stay in addopts")


# --- import cost (its time is measured in benchmarks/, not here) --------------

IMPORT_PROBE = """
import json, sys
import numpy
import nnbook
heavy = sorted(m for m in ('matplotlib', 'sklearn', 'torch', 'ipywidgets', 'IPython') if m in sys.modules)
print(json.dumps({"heavy": heavy}))
"""


def probe_import():
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE],
        cwd=ROOT, capture_output=True, text=True,
        timeout=600,      # only to end a hang: a fresh interpreter is slow on a loaded machine
    )
    assert out.returncode == 0, f"`import nnbook` failed:\n{out.stderr}"
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_nnbook_does_not_import_heavy_packages():
    heavy = probe_import()["heavy"]
    assert heavy == [], (
        f"`import nnbook` imported {heavy}. Import matplotlib inside nnbook.plot's "
        "functions (or only in nnbook.plot), never at package import."
    )
