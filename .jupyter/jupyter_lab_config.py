# The course's JupyterLab settings. README's first command opens the course with them:
#
#     jupyter lab notebooks/ --config=.jupyter/jupyter_lab_config.py
#
# They are defaults ("overrides" in JupyterLab's words): a learner who changes a
# setting in JupyterLab still wins, and JupyterLab writes that change to the usual
# ~/.jupyter/lab/user-settings/, never to this repository. The defaults themselves are
# in lab/settings/overrides.json beside this file; tests/test_jupyterlab_settings.py
# starts JupyterLab as the README does and checks that they are served.
#
# This folder replaces the environment's own settings folder
# (<venv>/share/jupyter/lab/settings), which a fresh .venv leaves empty.
from pathlib import Path

c = get_config()  # noqa: F821  (Jupyter's config loader provides it)
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "lab" / "settings")
