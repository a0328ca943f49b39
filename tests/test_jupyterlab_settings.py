"""The course's own JupyterLab settings (.jupyter/), which README's first command uses.

On a first start JupyterLab asks, in a pop-up over the page, whether to fetch
Jupyter's news. The course turns that off for the learner: README's command
passes ``--config=.jupyter/jupyter_lab_config.py``, which points JupyterLab's
settings defaults (``overrides.json``) at ``.jupyter/lab/settings/``. These tests
check the files and start ``jupyter lab`` with the README's own arguments (no
browser needed) to see the defaults served. tests/test_jupyterlab.py starts its
server with the same config, so the browser test runs with the learner's settings.
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


def readme_lab_arguments():
    """The arguments of `jupyter lab` in README's first command."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.search(r"^```\w*\n(.*?)^```", readme, re.M | re.S).group(1)
    command = first.split("jupyter lab", 1)
    assert len(command) == 2, f"README's first command does not start JupyterLab: {first!r}"
    return shlex.split(command[1].split("&&")[0])


def test_readme_opens_the_course_with_its_settings():
    args = readme_lab_arguments()
    assert "notebooks/" in args
    assert "--config=.jupyter/jupyter_lab_config.py" in args, args
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
    """`jupyter lab <README's arguments>` from the repository: the settings API gives
    fetchNews = "false" as the default (without the config it is "none")."""
    (tmp_path / "notebooks").mkdir()
    args = [str(tmp_path / "notebooks") if a == "notebooks/" else a for a in readme_lab_arguments()]
    port = free_port()
    env = dict(os.environ)
    for name in ("config", "data", "runtime"):
        env[f"JUPYTER_{name.upper()}_DIR"] = str(tmp_path / f"jupyter-{name}")
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    command = [sys.executable, "-m", "jupyterlab", *args, "--no-browser", "--allow-root",
               "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
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
    properties = settings["schema"]["properties"]
    assert properties["fetchNews"]["default"] == "false", properties["fetchNews"]
    assert properties["checkForUpdates"]["default"] is False
