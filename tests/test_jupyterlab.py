"""The course as a learner sees it: every notebook in JupyterLab in a real browser.

nbval (the `notebooks/` tests) runs the cells in a kernel, in main and on one other stack, and
compares their outputs with the stored ones; it does not show them the way a learner sees
them. This test starts `jupyter lab` on a temporary copy of the notebooks and opens each
one in headless Chromium driven by Playwright:

- most notebooks are opened with the stored outputs nbval compared (they are not run
  again: `test_stored_outputs_render_in_jupyterlab`), in one JupyterLab page;
- two notebooks (RUN_ALL: one of Part I, one of Part IV) are run with JupyterLab's own
  "Run All" command from copies without outputs (`test_run_all_in_jupyterlab`); chapter
  21's explorable slider is moved there, on the page where the whole chapter ran;
- the other explorables' sliders are moved (below), in copies without outputs (`run-NAME`),
  so that no stored output or execution count can pass for one of this run; each widget
  must first show the caption the notebook stores.

Then it checks, from the notebook model and the page:

- every code cell was reached and got an execution count (Run All stops at
  the first unexpected error, and JupyterLab runs past cells tagged
  `raises-exception`, which must still raise the stored error);
- no other cell shows an error, and no stderr output holds a traceback;
- every plot rendered: each cell shows at least as many images as the
  committed notebook stores `image/png` outputs, and each image decoded
  (naturalWidth > 0);
- every formula typeset: MathJax shows no TeX error and no undefined macro, and every
  markdown cell with math shows typeset math;
- nothing is wider than the page (JupyterLab at 1280 px, the file browser closed): no
  markdown cell or output scrolls sideways, no image reaches past its cell.

A screenshot of each notebook lands in `$NNBOOK_ARTIFACTS/screenshots/`
(default `ci-artifacts/screenshots/`, git-ignored): its first screen, and the whole notebook
(in slices) when a check of it failed or NNBOOK_SCREENSHOTS=full. The notebooks on disk
are never touched: the server works on copies (for Run All, saved outputs stripped so old
images cannot pass for new ones) and nothing is ever saved.

Needs JupyterLab, the `playwright` package and a Chromium binary, but never
`playwright install` (it downloads a browser of its own):

    apt-get install chromium                 # Debian/Ubuntu; or set NNBOOK_CHROMIUM=/path/to/chrome
    pip install -e ".[dev]"                  # the dev extra brings playwright
    python -m pytest -m browser              # this test and the book's (tests/test_book.py);
                                             # -m "not browser" leaves both out

Without them the test is skipped with that advice, except under CI (CI=true),
where a missing prerequisite is a failure.
"""

import html
import http.cookiejar
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import cell_deps  # tests/cell_deps.py: the cells above an explorable that it depends on
import chapters  # tools/chapters.py: the table of chapters

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
ARTIFACTS = Path(os.environ.get("NNBOOK_ARTIFACTS") or ROOT / "ci-artifacts") / "screenshots"
# Whole-notebook screenshots of the notebooks that pass too (see take_screenshots).
FULL_SCREENSHOTS = os.environ.get("NNBOOK_SCREENSHOTS", "").strip().lower() == "full"

# Every limit below is how long to wait for something to happen (polled, so a quiet machine
# never waits it out); it only turns a hang into a failure. They are several times what a
# quiet machine needs, because a loaded one (a parallel test run, CI neighbours) was
# measured up to 6× slower, and a test must not fail for the machine's speed.
SERVER_START_TIMEOUT = 300  # s until the server answers
OPEN_TIMEOUT = 300          # s until a notebook is open with an idle kernel
RUN_TIMEOUT = 900           # s for Run All of one notebook
IMAGE_TIMEOUT = 120         # s for the images to decode after the run
HTTP_TIMEOUT = 120          # s for one REST call to the server
VIEWPORT = {"width": 1280, "height": 1000}
SCREENSHOT_MAX_HEIGHT = 15000   # px per screenshot; a longer notebook gets several

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]

# JupyterLab settings for the temporary config dir: no autosave (nothing is
# ever written back), every cell attached to the DOM so that images below the
# fold are rendered and can be counted, and no empty screen below the last cell
# (it would make the screenshots twice as tall). The news pop-up is off through
# the course's own settings, which the server gets as README's command gives them.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "scrollPastEnd": False},
}
COURSE_CONFIG = ROOT / ".jupyter" / "jupyter_lab_config.py"  # as README's tools/course.py passes it


def in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def find_chromium():
    """Debian's Chromium (or NNBOOK_CHROMIUM); None when there is none."""
    configured = os.environ.get("NNBOOK_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_prerequisites():
    missing = []
    if importlib.util.find_spec("jupyterlab") is None:
        missing.append('JupyterLab is not installed (pip install -e ".[dev]")')
    if importlib.util.find_spec("playwright") is None:
        missing.append('the playwright package is not installed (pip install -e ".[dev]", '
                       "or pip install playwright; never `playwright install`)")
    if find_chromium() is None:
        if os.environ.get("NNBOOK_CHROMIUM"):
            missing.append(f"NNBOOK_CHROMIUM={os.environ['NNBOOK_CHROMIUM']} is not an executable")
        else:
            missing.append("no Chromium at /usr/bin/chromium (apt-get install chromium, "
                           "or set NNBOOK_CHROMIUM to a Chrome/Chromium binary)")
    return missing


def notebooks():
    found = sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb"))
    if importlib.util.find_spec("torch") is not None:
        found += sorted((NOTEBOOK_DIR / "extras").glob("*.ipynb"))
    return found


NOTEBOOKS = notebooks()
# Run All in JupyterLab for one notebook of Part I and one of Part IV (both with plots and
# an explorable; chapter 00 with cells tagged raises-exception, which Run All must pass);
# every notebook's code runs under nbval on each stack, so the others are opened with the
# outputs nbval compared and checked as JupyterLab renders them. Chapter 21's explorable
# needs the model trained in the cells above it: its slider is moved after the Run All
# (run_all_explorable), where those cells already ran; run separately, that setup re-ran
# most of the chapter a second time (36 s in CI's run of 2026-11-28), and chapter 24's Run
# All (89 s there), which this replaced, had a widget that needs only the imports.
RUN_ALL = ["00_big_picture.ipynb", "21_inference.ipynb"]
RUN_ALL_NOTEBOOKS = [NOTEBOOK_DIR / name for name in RUN_ALL]
RUN_PREFIX = "run-"  # the explorables' notebooks, copied without outputs, beside the others
RENDERED = [p for p in NOTEBOOKS if p not in RUN_ALL_NOTEBOOKS]


@pytest.fixture(scope="module")
def prerequisites():
    missing = missing_prerequisites()
    if missing:
        message = "JupyterLab browser test not run: " + "; ".join(missing)
        if in_ci():
            pytest.fail(message + " (CI=true: a skipped browser test counts as a failure)", pytrace=False)
        pytest.skip(message)


# --- the notebooks as stored ---------------------------------------------------------

def source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def describe(index, cell):
    """'cell 12 ('model.fit(X, y, ...')' (1-based, counting markdown cells too)."""
    first = source(cell).strip().splitlines()[:1]
    return f"cell {index + 1} ({first[0][:50]!r})" if first else f"cell {index + 1}"


def stripped_copy(path, dest, text=True):
    """Copy a notebook without outputs or execution counts; with text=False, its markdown
    cells empty too (they stay, so that every cell keeps its index)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        elif not text:
            cell["source"] = ""
            cell.pop("attachments", None)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# --- the server ----------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """`jupyter lab` on 127.0.0.1 in its own process group, with throw-away Jupyter dirs."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.root = workdir / "notebooks"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "jupyter-lab.log"
        self.process = None
        self.opener = None  # for REST calls, see request()

    def environment(self):
        env = dict(os.environ)
        for name in ("config", "runtime", "data"):
            (self.workdir / f"jupyter-{name}").mkdir()
        env.update(
            JUPYTER_CONFIG_DIR=str(self.workdir / "jupyter-config"),
            JUPYTER_RUNTIME_DIR=str(self.workdir / "jupyter-runtime"),
            JUPYTER_DATA_DIR=str(self.workdir / "jupyter-data"),
            IPYTHONDIR=str(self.workdir / "ipython"),
        )
        env.pop("JUPYTER_PATH", None)
        env.pop("MPLBACKEND", None)  # the notebooks need the inline backend
        # The `python3` kernel is this interpreter's ipykernel. The user data dir
        # comes first in Jupyter's search path, so this spec wins over any other.
        spec_dir = self.workdir / "jupyter-data" / "kernels" / "python3"
        spec_dir.mkdir(parents=True)
        (spec_dir / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        }))
        for plugin, values in LAB_SETTINGS.items():
            target = self.workdir / "jupyter-config" / "lab" / "user-settings" / f"{plugin}.jupyterlab-settings"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))
        return env

    def start(self):
        command = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={self.port}",
            "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
            "--LabApp.expose_app_in_browser=True", f"--ServerApp.root_dir={self.root}",
            f"--config={COURSE_CONFIG}",
        ]
        env = self.environment()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=self.root, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"jupyter lab did not answer on {self.url} within "
                           f"{SERVER_START_TIMEOUT} s:\n{self.log_tail()}")

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def request(self, method, path):
        """A REST call, with the _xsrf cookie the server requires for anything but GET."""
        if self.opener is None:
            jar = http.cookiejar.CookieJar()
            self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            self.opener.open(f"{self.url}/lab", timeout=HTTP_TIMEOUT).read()  # sets the _xsrf cookie
            self.xsrf = next((c.value for c in jar if c.name == "_xsrf"), "")
        req = urllib.request.Request(f"{self.url}{path}", method=method, headers={"X-XSRFToken": self.xsrf})
        with self.opener.open(req, timeout=HTTP_TIMEOUT) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernel(self, kernel_id):
        try:
            self.request("DELETE", f"/api/kernels/{kernel_id}")
        except urllib.error.HTTPError as exc:
            if exc.code != 404:  # already gone is fine
                raise

    def stop(self):
        """Shut the kernels down, then stop the server's process group and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            for kernel in self.request("GET", "/api/kernels") or []:
                self.shutdown_kernel(kernel["id"])
        except (urllib.error.URLError, OSError, ValueError):
            pass  # the server is going away anyway; its kernels follow their parent
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue


@pytest.fixture(scope="module")
def lab(prerequisites, request):
    with tempfile.TemporaryDirectory(prefix="nnbook-lab-") as tmp:
        workdir = Path(tmp)
        for path in NOTEBOOKS:
            dest = workdir / "notebooks" / path.relative_to(NOTEBOOK_DIR)
            if path in RUN_ALL_NOTEBOOKS:
                stripped_copy(path, dest)  # Run All must make every output anew
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)  # opened with its stored outputs
        # The explorables run cells: a copy without outputs, so that no stored execution
        # count or output can pass for one of this run; and without the chapter's text,
        # which the stored-output check has just drawn and typeset (in the copy, JupyterLab
        # drew and MathJax typeset it all a second time, for nothing this check reads).
        for name in sorted({e[0] for e in SEPARATE_EXPLORABLES}):
            stripped_copy(NOTEBOOK_DIR / name, workdir / "notebooks" / f"{RUN_PREFIX}{name}", text=False)
        # Files the notebooks open next to them (the moving-on notebook's ddp_step.py).
        for path in sorted(NOTEBOOK_DIR.rglob("*.py")):
            dest = workdir / "notebooks" / path.relative_to(NOTEBOOK_DIR)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
        server = LabServer(workdir)
        try:
            server.start()
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def browser(prerequisites, request):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # show it even without -s
            reporter.write_line(f"\nJupyterLab screenshots: {ARTIFACTS}")


# --- reading JupyterLab's state ------------------------------------------------------

# The current notebook panel, its kernel and a summary of every cell, read from
# JupyterLab's model (window.jupyterapp is there thanks to expose_app_in_browser).
STATE_JS = """
() => {
  const app = window.jupyterapp;
  const panel = app && app.shell && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model || !panel.sessionContext) return null;
  const session = panel.sessionContext.session;
  const kernel = session && session.kernel;
  const model = panel.content.model;
  const cells = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    const item = {type: cell.type, count: null, running: false, outputs: []};
    if (cell.type === 'code') {
      item.count = cell.executionCount;
      item.running = cell.executionState === 'running';
      const outputs = cell.outputs.toJSON();
      for (const out of outputs) {
        const o = {type: out.output_type};
        if (out.output_type === 'error') { o.ename = out.ename; o.evalue = out.evalue; }
        if (out.output_type === 'stream') { o.name = out.name; o.text = [].concat(out.text).join(''); }
        if (out.data) o.mimes = Object.keys(out.data);
        item.outputs.push(o);
      }
    }
    cells.push(item);
  }
  return {
    path: panel.context.path,
    ready: panel.context.isReady && panel.sessionContext.isReady,
    kernel: kernel ? {id: kernel.id, status: kernel.status} : null,
    cells: cells,
  };
}
"""

# The images in each cell's output area, as the browser decoded them.
IMAGES_JS = """
() => {
  const panel = window.jupyterapp.shell.currentWidget;
  return panel.content.widgets.map(cell =>
    Array.from(cell.node.querySelectorAll('.jp-OutputArea-output img')).map(img =>
      ({complete: img.complete, width: img.naturalWidth})));
}
"""

# Formulas MathJax could not typeset, per cell: a TeX error (shown as the raw
# source in a box) or an undefined macro (shown in red).
MATH_ERRORS_JS = """
() => window.jupyterapp.shell.currentWidget.content.widgets.map(cell => {
  const found = new Set();
  for (const e of cell.node.querySelectorAll('mjx-merror[data-mjx-error]'))
    found.add(e.getAttribute('data-mjx-error'));
  for (const e of cell.node.querySelectorAll('mjx-assistive-mml mtext[mathcolor="red"]'))
    found.add('undefined macro ' + e.textContent);
  return Array.from(found);
})
"""

# Height of the notebook's content (it scrolls inside its own panel).
SCROLLER_JS = """
const scroller = () => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  return notebook.outerNode || notebook.node.querySelector('.jp-WindowedPanel-outer') || notebook.node;
};
"""
CONTENT_HEIGHT_JS = """
() => {
  %s
  window.jupyterapp.shell.collapseLeft();  // the file browser only takes room
  const node = scroller();
  return {scroll: node.scrollHeight, client: node.clientHeight};
}
""" % SCROLLER_JS

SCROLL_JS = "(y) => { %s scroller().scrollTop = y; }" % SCROLLER_JS


def wait_for(page, predicate, timeout, what):
    """Poll STATE_JS until predicate(state) is true; return the state."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(STATE_JS)
        if state is not None and predicate(state):
            return state
        time.sleep(0.25)
    raise TimeoutError(f"{what}: not done within {timeout} s (last state: {summary(state)})")


# JupyterLab 4.6 asks an ipykernel 7 kernel for a subshell while it connects to it. A check
# that shuts the kernel down (REST) before that reply came makes JupyterLab reject the
# request's future, an uncaught error that lands in whichever notebook the page shows next
# (CI, session 53: "Canceled future for create_subshell_request message before replies were
# done" on 03, whose own kernel was fine). It is the check's own shutdown, not the notebook:
# kernels are shut down once idle (the stored-output checks share one kernel, stopped with
# the server), and this one message is left out.
SHUTDOWN_NOISE = ("Canceled future for create_subshell_request",)


def page_errors(errors):
    """The page's uncaught errors, less the one a kernel shut down mid-connect leaves."""
    return [e for e in errors if not any(noise in e for noise in SHUTDOWN_NOISE)]


def settle(page, timeout=30):
    """Wait until JupyterLab sees the current notebook's kernel idle (its connect handshake
    done), so that no request of the page is in flight; after timeout s, go on anyway."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = page.evaluate(STATE_JS)
        except Exception:  # the page is gone: nothing of it can be in flight
            break
        if not state or not state["kernel"] or state["kernel"]["status"] == "idle":
            break
        time.sleep(0.25)


def summary(state):
    if not state:
        return "no notebook panel"
    code = [c for c in state["cells"] if c["type"] == "code"]
    counted = sum(c["count"] is not None for c in code)
    kernel = state["kernel"]["status"] if state["kernel"] else "no kernel"
    return f"kernel {kernel}, {counted}/{len(code)} code cells executed"


def untagged_error(state, stored):
    """An error in a cell not tagged raises-exception: Run All has stopped there."""
    for cell, stored_cell in zip(state["cells"], stored["cells"]):
        if any(o["type"] == "error" for o in cell["outputs"]) and not is_tagged_raises(stored_cell):
            return True
    return False


def is_tagged_raises(cell):
    return "raises-exception" in cell.get("metadata", {}).get("tags", [])


def run_finished(stored):
    def finished(state):
        if not state["kernel"] or state["kernel"]["status"] != "idle":
            return False
        if any(c["running"] for c in state["cells"]):
            return False
        code = [c for c, s in zip(state["cells"], stored["cells"]) if c["type"] == "code" and source(s).strip()]
        return all(c["count"] is not None for c in code) or untagged_error(state, stored)
    return finished


def run_problems(state, stored):
    """What went wrong in the run, cell by cell, read from the notebook model."""
    problems, never = [], []
    for index, (cell, stored_cell) in enumerate(zip(state["cells"], stored["cells"])):
        if cell["type"] != "code" or not source(stored_cell).strip():
            continue
        where = describe(index, stored_cell)
        errors = [o for o in cell["outputs"] if o["type"] == "error"]
        if is_tagged_raises(stored_cell):
            expected = [o.get("ename") for o in stored_cell.get("outputs", []) if o.get("output_type") == "error"]
            if cell["count"] is not None and not errors:
                problems.append(f"{where} is tagged raises-exception but raised nothing")
            elif errors and expected and errors[0]["ename"] != expected[0]:
                problems.append(f"{where} raised {errors[0]['ename']}: {errors[0]['evalue']}; "
                                f"the notebook stores {expected[0]}")
        elif errors:
            problems.append(f"{where} raised {errors[0]['ename']}: {errors[0]['evalue']}")
        for out in cell["outputs"]:
            if out["type"] == "stream" and out["name"] == "stderr" and "Traceback" in out["text"]:
                problems.append(f"{where} printed a traceback on stderr:\n{out['text'][-800:]}")
        if cell["count"] is None:
            never.append(where)
    if never:
        listed = ", ".join(never[:3]) + (f" and {len(never) - 3} more" if len(never) > 3 else "")
        problems.append(f"never executed (Run All stopped before): {listed}")
    return problems


def wait_for_images(page):
    """The images of each cell once all have loaded (or after IMAGE_TIMEOUT)."""
    deadline = time.monotonic() + IMAGE_TIMEOUT
    while True:
        images = page.evaluate(IMAGES_JS)
        if all(img["complete"] for cell in images for img in cell) or time.monotonic() > deadline:
            return images
        time.sleep(0.25)


def image_problems(images, stored):
    """Cells that show fewer decoded images than the committed notebook stores PNGs."""
    problems = []
    for index, (cell_images, stored_cell) in enumerate(zip(images, stored["cells"])):
        want = sum("image/png" in o.get("data", {}) for o in stored_cell.get("outputs", []))
        shown = sum(img["complete"] and img["width"] > 0 for img in cell_images)
        if shown < want:
            problems.append(f"{describe(index, stored_cell)} shows {shown} rendered image(s) "
                            f"({len(cell_images)} <img> in all); the notebook stores {want} plot(s)")
    return problems


def math_problems(math_errors, stored):
    """Markdown (or output) cells whose formulas MathJax rendered as errors."""
    return [f"{describe(index, stored_cell)}: a formula does not render: {'; '.join(errors)}"
            for index, (errors, stored_cell) in enumerate(zip(math_errors, stored["cells"])) if errors]


# Math in a markdown cell: $…$, $$…$$ or \begin{…}, outside code spans and fences (an
# escaped \$ is a dollar sign).
MATH_RE = re.compile(r"(?<!\\)\$[^$\n]+?(?<!\\)\$|\\begin\{")
CODE_RE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
TYPESET_TIMEOUT = 120  # s for MathJax to typeset every formula of a notebook

# The formulas MathJax typeset, per cell.
TYPESET_JS = """
() => window.jupyterapp.shell.currentWidget.content.widgets.map(
  cell => cell.node.querySelectorAll('mjx-container').length)
"""

# What is wider than the notebook's column, per cell: a rendered markdown cell or an
# output that scrolls sideways (its content wider than its box), or an image that
# reaches past the cell's right edge (JupyterLab at 1280 px, the file browser closed).
WIDE_JS = """
() => {
  window.jupyterapp.shell.collapseLeft();
  return window.jupyterapp.shell.currentWidget.content.widgets.map(cell => {
    const wide = [];
    const right = cell.node.getBoundingClientRect().right;
    for (const el of cell.node.querySelectorAll('.jp-RenderedMarkdown, .jp-OutputArea-output')) {
      if (el.scrollWidth > el.clientWidth + 1)
        wide.push((el.classList.contains('jp-RenderedMarkdown') ? 'text' : 'an output') + ' ' +
                  el.scrollWidth + ' px wide in ' + el.clientWidth + ' px');
    }
    for (const img of cell.node.querySelectorAll('.jp-OutputArea-output img')) {
      const box = img.getBoundingClientRect();
      if (box.right > right + 1) wide.push('an image reaching ' + Math.round(box.right - right) +
                                           ' px past the cell');
    }
    return wide;
  });
}
"""


def has_math(cell):
    return cell["cell_type"] == "markdown" and bool(MATH_RE.search(CODE_RE.sub("", source(cell))))


def wait_for_typesetting(page, stored):
    """Formulas typeset per cell, once every markdown cell with math shows at least one
    (or after TYPESET_TIMEOUT): MathJax typesets after the cells are drawn."""
    deadline = time.monotonic() + TYPESET_TIMEOUT
    while True:
        counts = page.evaluate(TYPESET_JS)
        if all(n > 0 for n, cell in zip(counts, stored["cells"]) if has_math(cell)) \
                or time.monotonic() > deadline:
            return counts
        time.sleep(0.25)


def untypeset_problems(counts, stored):
    """Markdown cells with math in which MathJax typeset nothing."""
    return [f"{describe(index, cell)}: its formulas were not typeset"
            for index, (n, cell) in enumerate(zip(counts, stored["cells"]))
            if has_math(cell) and n == 0]


def width_problems(wide, stored):
    return [f"{describe(index, cell)}: wider than the page: {'; '.join(found)}"
            for index, (found, cell) in enumerate(zip(wide, stored["cells"])) if found]


def merged_streams(outputs):
    """How many outputs JupyterLab shows for these: it joins consecutive stream outputs
    of the same name (stdout, stderr) into one."""
    count, last = 0, None
    for out in outputs:
        name = out.get("name") if out.get("output_type") == "stream" else None
        if name is None or name != last:
            count += 1
        last = name
    return count


def stored_output_problems(state, stored):
    """The stored outputs as JupyterLab loaded them: every one of them there, every code
    cell with its execution count, errors only where a cell is tagged raises-exception
    (and there the stored one), no traceback on stderr."""
    problems = []
    for index, (cell, stored_cell) in enumerate(zip(state["cells"], stored["cells"])):
        want = merged_streams(stored_cell.get("outputs", []))
        if cell["type"] == "code" and len(cell["outputs"]) != want:
            problems.append(f"{describe(index, stored_cell)} shows {len(cell['outputs'])} outputs; "
                            f"the notebook stores {want}")
    return problems + run_problems(state, stored)


def take_screenshots(page, name, whole=True):
    """Screenshots of the whole notebook: the viewport grows to the notebook's height
    (up to SCREENSHOT_MAX_HEIGHT per image; a longer one is taken in slices). JPEG at
    quality 80: a slice of 1280 × 15000 px took about 1.6 s as PNG and 0.9 s as JPEG, about
    40 s over the course's notebooks (issue 52), and reads the same. With whole=False only
    the first screen (1280 × 1000 px): the checks read the page, not the pictures, and the
    whole notebooks were 71 slices (178 MB) at about 2 s each on a loaded machine (load 8
    to 10, session 59), so a notebook that passes gets its whole length only with
    NNBOOK_SCREENSHOTS=full."""
    stem = name.replace("/", "__").removesuffix(".ipynb")
    for old in [*ARTIFACTS.glob(f"{stem}*.png"), *ARTIFACTS.glob(f"{stem}*.jpg")]:
        old.unlink()
    if not whole:
        page.evaluate(CONTENT_HEIGHT_JS)  # the file browser closed, as in the whole ones
        path = ARTIFACTS / f"{stem}.jpg"
        page.screenshot(path=str(path), type="jpeg", quality=80)
        return [path]
    heights = page.evaluate(CONTENT_HEIGHT_JS)
    chrome = VIEWPORT["height"] - heights["client"]  # menus, toolbars, status bar
    total = heights["scroll"]
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(total, SCREENSHOT_MAX_HEIGHT) + chrome})
    page.wait_for_timeout(300)  # let the layout settle
    heights = page.evaluate(CONTENT_HEIGHT_JS)
    total, visible = heights["scroll"], heights["client"]
    saved = []
    # (the last few pixels are the notebook's bottom padding: no slice for them alone)
    for part, top in enumerate(range(0, max(total - 50, 1), max(visible, 1)), start=1):
        page.evaluate(SCROLL_JS, top)
        page.wait_for_timeout(100)
        suffix = "" if total - 50 <= visible else f"_{part}"
        path = ARTIFACTS / f"{stem}{suffix}.jpg"
        page.screenshot(path=str(path), type="jpeg", quality=80)
        saved.append(path)
    page.set_viewport_size(VIEWPORT)
    return saved


# --- the test --------------------------------------------------------------------------

@pytest.mark.parametrize("path", RUN_ALL_NOTEBOOKS, ids=RUN_ALL)
def test_run_all_in_jupyterlab(path, lab, lab_page):
    """Run All in the JupyterLab page the other checks use (lab_page: JupyterLab is loaded
    once, not once more for each Run All notebook), with a kernel of the notebook's own."""
    name = path.relative_to(NOTEBOOK_DIR).as_posix()
    stored = json.loads(path.read_text(encoding="utf-8"))
    page = lab_page
    page.errors.clear()
    errors_seen = page.errors
    kernel_id = None
    try:
        page.evaluate("""async (path) => {
            const widget = await window.jupyterapp.commands.execute('docmanager:open', {path});
            window.jupyterapp.shell.activateById(widget.id);
        }""", name)
        state = wait_for(
            page,
            lambda s: s["path"] == name and s["ready"] and s["kernel"] and s["kernel"]["status"] == "idle",
            OPEN_TIMEOUT, f"{name}: open with an idle kernel",
        )
        kernel_id = state["kernel"]["id"]
        assert len(state["cells"]) == len(stored["cells"]), (
            f"{name}: JupyterLab shows {len(state['cells'])} cells, the file has {len(stored['cells'])}")

        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # Run All returns before the kernel has the cells; wait until it is busy or done.
        state = wait_for(page, run_finished(stored), RUN_TIMEOUT, f"{name}: Run All")

        problems = run_problems(state, stored)
        problems += image_problems(wait_for_images(page), stored)
        problems += math_problems(page.evaluate(MATH_ERRORS_JS), stored)
        problems += untypeset_problems(wait_for_typesetting(page, stored), stored)
        problems += width_problems(page.evaluate(WIDE_JS), stored)
        toasts = page.evaluate("() => Array.from(document.querySelectorAll('.Toastify__toast')).map(t => t.innerText)")
        problems += [f"a pop-up covers the notebook (the course's .jupyter/ settings turn news off): {t!r}"
                     for t in toasts if "news" in t.lower()]
        screenshots = take_screenshots(page, name, whole=bool(problems) or FULL_SCREENSHOTS)
        if problems:
            pytest.fail(f"{name} in JupyterLab (Run All; screenshot {screenshots[0]}):\n  "
                        + "\n  ".join(problems), pytrace=False)
        if name in RUN_ALL_EXPLORABLES:  # its slider, where the whole chapter ran
            _, call, label, value, expected, _ = RUN_ALL_EXPLORABLES[name]
            panel = page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
            move_slider(page, panel, explorable_index(stored, name, call), name, label, value, expected,
                        stored)
        assert not page_errors(errors_seen), (
            f"{name}: uncaught errors in JupyterLab's page: {errors_seen}")
    except Exception:
        try:
            take_screenshots(page, name + "-FAILED")
        except Exception:  # the page may be gone; the original error matters
            pass
        raise
    finally:
        # close it unsaved (the run changed it), so that the next one is the current panel;
        # then stop its kernel (closing a notebook leaves it running)
        page.evaluate("() => { const w = window.jupyterapp.shell.currentWidget; if (w) w.dispose(); }")
        if kernel_id is not None:
            lab.shutdown_kernel(kernel_id)


@pytest.fixture(scope="module")
def lab_page(lab, browser):
    """One JupyterLab page for every check (loading JupyterLab once, not once per notebook);
    its uncaught errors go to page.errors, and there must be none while it loads."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(HTTP_TIMEOUT * 1000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(f"{lab.url}/lab?reset", wait_until="domcontentloaded", timeout=OPEN_TIMEOUT * 1000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands.hasCommand("
                           "'docmanager:open')", timeout=OPEN_TIMEOUT * 1000)
    page.evaluate("() => window.jupyterapp.restored.then(() => true)")  # the layout is back
    # One kernel for every notebook opened with its stored outputs (none of their cells
    # runs): each connects to it as to a kernel of its own, and none starts one (a Python
    # process a notebook, and the wait to shut it down once idle).
    page.shared_kernel = lab.request("POST", "/api/kernels")["id"]
    try:
        assert not page_errors(page.errors), f"uncaught errors while JupyterLab loaded: {page.errors}"
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("path", RENDERED, ids=[p.relative_to(NOTEBOOK_DIR).as_posix() for p in RENDERED])
def test_stored_outputs_render_in_jupyterlab(path, lab, lab_page):
    """The notebook opened with the outputs nbval compares: every plot drawn, every
    formula typeset, no error but the tagged ones, nothing wider than the page."""
    name = path.relative_to(NOTEBOOK_DIR).as_posix()
    stored = json.loads(path.read_text(encoding="utf-8"))
    page = lab_page
    page.errors.clear()
    try:
        page.evaluate("""async ([path, id]) => {
            const widget = await window.jupyterapp.commands.execute('docmanager:open', {path, kernel: {id}});
            window.jupyterapp.shell.activateById(widget.id);
        }""", [name, page.shared_kernel])
        state = wait_for(page, lambda s: s["path"] == name and s["ready"], OPEN_TIMEOUT,
                         f"{name}: open")
        assert len(state["cells"]) == len(stored["cells"]), (
            f"{name}: JupyterLab shows {len(state['cells'])} cells, the file has {len(stored['cells'])}")
        problems = stored_output_problems(state, stored)
        problems += image_problems(wait_for_images(page), stored)
        problems += untypeset_problems(wait_for_typesetting(page, stored), stored)
        problems += math_problems(page.evaluate(MATH_ERRORS_JS), stored)
        problems += width_problems(page.evaluate(WIDE_JS), stored)
        screenshots = take_screenshots(page, name, whole=bool(problems) or FULL_SCREENSHOTS)
        if problems:
            pytest.fail(f"{name} in JupyterLab (stored outputs; screenshot {screenshots[0]}):\n  "
                        + "\n  ".join(problems), pytrace=False)
        assert not page_errors(page.errors), (
            f"{name}: uncaught errors in JupyterLab's page: {page.errors}")
    except Exception:
        try:
            take_screenshots(page, name + "-FAILED")
        except Exception:  # the page may be gone; the original error matters
            pass
        raise
    finally:
        settle(page)  # the shared kernel stays (the server stops it)
        # close it unsaved (nothing was changed), so that the next one is the current panel
        page.evaluate("() => { const w = window.jupyterapp.shell.currentWidget; if (w) w.dispose(); }")


# --- the explorables: move a control, the output follows -------------------------------

# (notebook, the call that shows the widget, the slider's label, the value typed into
# its readout, a text the caption must then hold, what runs before the widget's cell), one
# per chapter whose explorable has a Slider in the table of chapters (tools/chapters.py,
# where each row's comments say what its setup costs). Parts I and II: only the imports
# cell, the rest of the notebook is not needed to draw the widget. Part III's explorables
# show a model trained in the chapter: the cells above the widget that it depends on run
# first (run_needed_above; the whole chapter above it, Run All Above, took 386 s of wall time
# for chapter 22 in a loaded CI run, its checks and tables included), and the widget
# must then show the caption the notebook stores (move_slider).
EXPLORABLES = chapters.browser_explorables()
# a Run All chapter's explorable is moved on the Run All page (test_run_all_in_jupyterlab)
RUN_ALL_EXPLORABLES = {e[0]: e for e in EXPLORABLES if NOTEBOOK_DIR / e[0] in RUN_ALL_NOTEBOOKS}
SEPARATE_EXPLORABLES = [e for e in EXPLORABLES if e[0] not in RUN_ALL_EXPLORABLES]
WIDGET_TIMEOUT = 300  # s for the widget to appear, and for its redraw after a change (see RUN_TIMEOUT)

# The caption (HTML widget) and the figure (Image widget, a blob: URL) of an explorable.
WIDGET_OUTPUT_JS = """
(index) => {
  const node = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
  const caption = node.querySelector('.jupyter-widgets.widget-html .widget-html-content');
  const image = node.querySelector('.jupyter-widgets.widget-image, .widget-image');
  return {caption: caption ? caption.textContent : null,
          src: image ? image.getAttribute('src') : null,
          loaded: image ? (image.complete && image.naturalWidth > 0) : false};
}
"""


def stored_caption(stored, index):
    """The caption (the HTML widget's text) the explorable in cell `index` showed when the
    notebook was saved, read from the widget state nbclient stores in its metadata; None
    when the notebook stores none."""
    state = (stored.get("metadata", {}).get("widgets", {})
             .get("application/vnd.jupyter.widget-state+json", {}).get("state", {}))
    queue = [o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
             for o in stored["cells"][index].get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    while queue:
        model = state.get(queue.pop(0))
        if model is None:
            continue
        if model["model_name"] == "HTMLModel":
            return html.unescape(re.sub(r"<[^>]*>", "", model["state"].get("value", "")))
        queue += [child.removeprefix("IPY_MODEL_") for child in model["state"].get("children", [])]
    return None


def run_cell(page, index, stored, name):
    """Make cell `index` the active one and run it; wait until it has an execution count."""
    page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }", index)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")
    return wait_for(
        page,
        lambda s: s["cells"][index]["count"] is not None and not s["cells"][index]["running"]
        and s["kernel"]["status"] == "idle",
        RUN_TIMEOUT, f"{name}: run {describe(index, stored['cells'][index])}",
    )


def run_needed_above(page, index, stored, name):
    """Run, in order, the cells above `index` that the explorable's cell depends on
    (tests/cell_deps.py: the ones whose effects can reach it; the chapter's other cells,
    its checks, tables and figures, do not run); wait until all ran. JupyterLab runs the
    selected cells, as a learner's shift-click and Shift+Enter do."""
    needed = cell_deps.cells_needed(stored["cells"], index)
    page.evaluate("""(needed) => {
        const notebook = window.jupyterapp.shell.currentWidget.content;
        notebook.deselectAll();
        notebook.activeCellIndex = needed[0];
        for (const i of needed) notebook.select(notebook.widgets[i]);
    }""", needed)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")
    part = {"cells": [c if i in needed else {**c, "source": ""} for i, c in enumerate(stored["cells"][:index])]}
    state = wait_for(
        page,
        lambda s: (all(s["cells"][i]["count"] is not None for i in needed) or untagged_error(s, part))
        and not any(c["running"] for c in s["cells"]) and s["kernel"]["status"] == "idle",
        RUN_TIMEOUT, f"{name}: the {len(needed)} cells above {describe(index, stored['cells'][index])} it needs",
    )
    problems = run_problems(state, part)
    ran = [describe(i, stored["cells"][i]) for i in range(index)
           if i not in needed and state["cells"][i]["count"] is not None]
    if ran:  # the selection ran more than it should: the setup is not what it claims
        problems.append("ran though not selected: " + ", ".join(ran))
    assert not problems, f"{name}: the cells above the explorable:\n  " + "\n  ".join(problems)
    return state


def widget_output(page, index, changed_from=None):
    """The explorable's caption and image once both are there (and, after a change, both
    differ from `changed_from`: the figure and the caption arrive one after the other, and
    returning on the first alone made chapter 21's check read the old caption)."""
    deadline = time.monotonic() + WIDGET_TIMEOUT
    out = None
    while time.monotonic() < deadline:
        out = page.evaluate(WIDGET_OUTPUT_JS, index)
        if out["caption"] and out["src"] and out["loaded"] and (
                changed_from is None or (out["caption"] != changed_from["caption"]
                                         and out["src"] != changed_from["src"])):
            return out
        time.sleep(0.25)
    return out


def explorable_index(stored, name, call):
    """The index of the code cell that shows the chapter's explorable."""
    index = next((i for i, c in enumerate(stored["cells"]) if c["cell_type"] == "code" and call in source(c)), None)
    assert index is not None, f"{name}: no code cell calls {call}…) (the explorable of this chapter)"
    return index


def move_slider(page, panel, index, name, label, value, expected, stored):
    """The explorable in cell `index` (already run) shows a caption and a figure, the
    caption the one the notebook stores (the whole chapter ran when it was saved: so the
    state the cells run before it gave the widget is the chapter's); type `value` into
    the readout of its slider `label`: the caption (now holding `expected`) and the figure
    change. A screenshot of the cell goes to the artifacts."""
    before = widget_output(page, index)
    assert before["caption"] and before["src"] and before["loaded"], (
        f"{name}: the explorable drew no caption or figure in JupyterLab: {before}")
    saved = stored_caption(stored, index)
    assert saved is not None, f"{name}: the notebook stores no widget state for its explorable"
    assert " ".join(before["caption"].split()) == " ".join(saved.split()), (
        f"{name}: the explorable's first caption reads {before['caption']!r}; the notebook "
        f"stores {saved!r} (the cells run before it did not give it the chapter's state)")

    cell = page.locator(f"[id='{panel}'] .jp-Notebook .jp-Cell").nth(index)
    slider = cell.locator(".widget-slider").filter(
        has=page.locator(".widget-label", has_text=label)).first
    readout = slider.locator(".widget-readout")
    readout.scroll_into_view_if_needed()
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")

    after = widget_output(page, index, changed_from=before)
    cell.screenshot(path=str(ARTIFACTS / f"explorable_{name.removesuffix('.ipynb')}.png"))
    assert after["caption"] != before["caption"], (
        f"{name}: setting {label} = {value} did not change the caption ({before['caption']!r})")
    assert expected in after["caption"], (
        f"{name}: after {label} = {value} the caption reads {after['caption']!r}; expected {expected!r} in it")
    assert after["src"] != before["src"] and after["loaded"], (
        f"{name}: setting {label} = {value} did not redraw the figure")


@pytest.mark.parametrize("name, call, label, value, expected, setup", SEPARATE_EXPLORABLES,
                         ids=[e[0] for e in SEPARATE_EXPLORABLES])
def test_explorable_reacts_in_jupyterlab(name, call, label, value, expected, setup, lab, lab_page):
    """Type a new value into one slider's readout: the caption and the figure change. The
    notebook opens in the JupyterLab page the stored-output checks use: a page of its own
    took 7.5 to 9.3 s to load JupyterLab and reach an idle kernel (issue 52)."""
    stored = json.loads((NOTEBOOK_DIR / name).read_text(encoding="utf-8"))
    index = explorable_index(stored, name, call)
    page = lab_page
    page.errors.clear()
    kernel_id = None
    stem = name.removesuffix(".ipynb")
    copy = f"{RUN_PREFIX}{name}"  # without outputs (see lab)
    try:
        panel = page.evaluate("""async (path) => {
            const widget = await window.jupyterapp.commands.execute('docmanager:open', {path});
            window.jupyterapp.shell.activateById(widget.id);
            return widget.id;
        }""", copy)
        state = wait_for(
            page,
            lambda s: s["path"] == copy and s["ready"] and s["kernel"] and s["kernel"]["status"] == "idle",
            OPEN_TIMEOUT, f"{name}: open with an idle kernel",
        )
        kernel_id = state["kernel"]["id"]
        if setup == "above":
            run_needed_above(page, index, stored, name)      # what the widget depends on
        else:
            run_cell(page, 1, stored, name)                  # the imports
        state = run_cell(page, index, stored, name)          # the widget
        errors = [o for o in state["cells"][index]["outputs"] if o["type"] == "error"]
        assert not errors, f"{name}: {describe(index, stored['cells'][index])} raised {errors[0]}"
        move_slider(page, panel, index, name, label, value, expected, stored)
        assert not page_errors(page.errors), (
            f"{name}: uncaught errors in JupyterLab's page: {page.errors}")
    except Exception:
        try:
            page.screenshot(path=str(ARTIFACTS / f"explorable_{stem}-FAILED.png"))
        except Exception:  # the page may be gone; the original error matters
            pass
        raise
    finally:
        # close it unsaved (the run changed it), so that the next one is the current panel;
        # then stop its kernel (closing a notebook leaves it running)
        page.evaluate("() => { const w = window.jupyterapp.shell.currentWidget; if (w) w.dispose(); }")
        if kernel_id is not None:
            lab.shutdown_kernel(kernel_id)
