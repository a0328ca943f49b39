"""The course's own JupyterLab settings (.jupyter/), which README's first command uses.

On a first start JupyterLab asks, in a pop-up over the page, whether to fetch
Jupyter's news. The course turns that off for the learner: README's command runs
tools/course.py, which starts JupyterLab on the learner's copies with
``--config=.jupyter/jupyter_lab_config.py``; that points JupyterLab's settings
defaults (``overrides.json``) at ``.jupyter/lab/settings/``. These tests check the
files and run README's program (no browser needed) to see the defaults served.
tests/test_jupyterlab.py starts its server with the same config, so the browser test
runs with the learner's settings.
"""

import importlib.util
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".jupyter" / "jupyter_lab_config.py"
OVERRIDES = ROOT / ".jupyter" / "lab" / "settings" / "overrides.json"
NOTIFICATION = "@jupyterlab/apputils-extension:notification"
START_TIMEOUT = 300  # s until the server answers: a limit for a loaded machine, polled


sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402  (tools/course.py, README's first command)


def readme_course_program():
    """The program README's first command runs after the install: `python tools/course.py`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.search(r"^```\w*\n(.*?)^```", readme, re.M | re.S).group(1)
    last = shlex.split(first.split("&&")[-1])
    assert last[:2] == ["python", "tools/course.py"], f"README's first command ends in {last}"
    return ROOT / last[1], last[2:]


def test_readme_opens_the_course_with_its_settings(tmp_path):
    program, args = readme_course_program()
    assert program.is_file() and args == []
    command = course.lab_command(tmp_path)
    assert command[1:4] == ["-m", "jupyterlab", str(tmp_path)]
    assert f"--config={CONFIG}" in command, command
    assert CONFIG.is_file()


def test_the_news_pop_up_is_off():
    overrides = json.loads(OVERRIDES.read_text(encoding="utf-8"))
    assert overrides[NOTIFICATION]["fetchNews"] == "false"   # "none" (the default) asks in a pop-up
    assert overrides[NOTIFICATION]["checkForUpdates"] is False


def test_config_points_at_the_overrides():
    namespace = {"get_config": lambda: _Config(), "__file__": str(CONFIG)}
    exec(compile(CONFIG.read_text(encoding="utf-8"), str(CONFIG), "exec"), namespace)
    assert Path(namespace["c"].LabApp.app_settings_dir) == OVERRIDES.parent


class _Config:
    """Enough of traitlets' Config for `c.LabApp.app_settings_dir = ...`."""

    def __getattr__(self, name):
        section = type("Section", (), {})()
        object.__setattr__(self, name, section)
        return section


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(importlib.util.find_spec("jupyterlab") is None, reason='JupyterLab is not installed (pip install -e ".[course]")')
def test_readme_command_serves_the_settings(tmp_path):
    """README's program (tools/course.py) from the repository, on copies in a temporary
    folder: the settings API gives fetchNews = "false" as the default (without the config it
    is "none"), and the copies were made before JupyterLab started."""
    program, args = readme_course_program()
    copies = tmp_path / "my-notebooks"
    port = free_port()
    env = dict(os.environ)
    for name in ("config", "data", "runtime"):
        env[f"JUPYTER_{name.upper()}_DIR"] = str(tmp_path / f"jupyter-{name}")
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    command = [sys.executable, str(program), *args, f"--into={copies}", "--no-browser",
               "--allow-root", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
               "--IdentityProvider.token=", "--ServerApp.password="]
    log = tmp_path / "lab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/lab/api/settings/{NOTIFICATION}"
        deadline, settings = time.monotonic() + START_TIMEOUT, None
        while settings is None and time.monotonic() < deadline:
            assert process.poll() is None, f"jupyter lab exited:\n{log.read_text(errors='replace')[-3000:]}"
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    settings = json.loads(response.read())
            except (urllib.error.URLError, OSError, ValueError):
                time.sleep(0.3)
        assert settings is not None, f"no answer from {url}:\n{log.read_text(errors='replace')[-3000:]}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert (copies / "00_big_picture.ipynb").is_file(), sorted(copies.iterdir())[:5]
    properties = settings["schema"]["properties"]
    assert properties["fetchNews"]["default"] == "false", properties["fetchNews"]
    assert properties["checkForUpdates"]["default"] is False
