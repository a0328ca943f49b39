# The course's JupyterLab settings. README's first command (python tools/course.py) opens
# the learner's copies of the notebooks with them:
#
#     jupyter lab my-notebooks/ --config=.jupyter/jupyter_lab_config.py
#
# They are defaults ("overrides" in JupyterLab's words): a learner who changes a
# setting in JupyterLab still wins, and JupyterLab writes that change to the usual
# ~/.jupyter/lab/user-settings/, never to this repository. The defaults themselves are
# in lab/settings/overrides.json beside this file; tests/test_jupyterlab_settings.py
# starts JupyterLab as the README does and checks that they are served.
#
# This folder replaces the environment's own settings folder
# (<venv>/share/jupyter/lab/settings), which a fresh .venv leaves empty.
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (Jupyter's config loader provides it)
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "lab" / "settings")

# README's command as written also works as root (a container, a CI machine), where
# JupyterLab otherwise refuses to start. That refusal only guards against running
# notebooks with root's rights by mistake: the server still listens on localhost only
# and asks for its token, and root's notebooks can do no more than root's own shell.
c.ServerApp.allow_root = True

# Without a display (a server reached over SSH, a container) there is no browser to
# open, and Python would start a text-mode one (lynx, w3m) in the terminal if it has
# one. JupyterLab prints the address with its token instead: open that in your browser.
if sys.platform.startswith("linux") and not (
    os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
):
    c.ServerApp.open_browser = False
