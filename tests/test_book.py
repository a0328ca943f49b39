"""The book website, as a reader opens it: every page in headless Chromium, offline.

`tools/build_book.py` builds the static site from the committed notebooks
(Sphinx, warnings as errors). This test builds it into a temporary folder,
serves it from 127.0.0.1, and opens every page with every request to any
other address aborted. On each page it checks that

- the page loads without console errors or failed requests;
- every formula is typeset: MathJax rendered each math element, shows no
  error (`mjx-merror`), and no raw `$…$` is left in the text;
- every image decoded (naturalWidth > 0);
- every internal link resolves to a file of the site (and its #anchor exists).

A screenshot of each page goes to `$NNBOOK_ARTIFACTS/book/` (default
`ci-artifacts/book/`). Needs the `docs` extra, the `playwright` package and a
Chromium (see tests/test_jupyterlab.py); skipped without them, except under CI.
"""

import functools
import http.server
import importlib.util
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from test_jupyterlab import CHROMIUM_ARGS, find_chromium, in_ci

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("NNBOOK_ARTIFACTS") or ROOT / "ci-artifacts") / "book"
VIEWPORT = {"width": 1280, "height": 900}
# ms for MathJax to finish a page, and for any page action (Playwright's default is 30 s):
# a wait-until limit, far above a quiet machine's need, so a loaded machine does not fail it
MATH_TIMEOUT = 120_000


def missing():
    out = []
    for module, advice in (("sphinx", 'pip install -e ".[docs]"'), ("myst_nb", 'pip install -e ".[docs]"'),
                           ("sphinx_book_theme", 'pip install -e ".[docs]"'),
                           ("playwright", 'pip install -e ".[dev]"')):
        if importlib.util.find_spec(module) is None:
            out.append(f"{module} is not installed ({advice})")
    if find_chromium() is None:
        out.append("no Chromium (apt-get install chromium, or set NNBOOK_CHROMIUM)")
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    absent = missing()
    if absent:
        message = "book test not run: " + "; ".join(absent)
        if in_ci():
            pytest.fail(message + " (CI=true: a skipped book test counts as a failure)", pytrace=False)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("book") / "html"
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"the book did not build:\n{done.stdout}\n{done.stderr}"
    return out


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def pages(site):
    """Every content page: the landing page, the chapters, the extras and the API page."""
    found = [p for p in sorted(site.rglob("*.html"))
             if not p.relative_to(site).parts[0].startswith("_")
             and p.name not in {"genindex.html", "search.html"}]
    return [p.relative_to(site).as_posix() for p in found]


BUILT = ROOT / "build"  # only for the parametrize ids; the test builds its own copy
EXPECTED_PAGES = (["index.html", "api.html"]
                  + [f"notebooks/{p.stem}.html" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
                  + [f"notebooks/extras/{p.stem}.html" for p in sorted((ROOT / "notebooks" / "extras").glob("*.ipynb"))])

# Whatever the page shows, read once MathJax has finished.
PAGE_STATE_JS = r"""
() => {
  const math = Array.from(document.querySelectorAll('.math'));
  const untypeset = math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 60));
  const errors = Array.from(document.querySelectorAll('mjx-merror')).map(e => e.textContent.slice(0, 80));
  const main = document.querySelector('main') || document.body;
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('pre, code, mjx-container, script, style, .highlight, .output')) continue;
    const t = n.textContent;
    if (/\$[^$\s][^$]*\$/.test(t) || t.includes('$$')) raw.push(t.trim().slice(0, 80));
  }
  const images = Array.from(document.images).map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0}));
  const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
  const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id);
  return {math: math.length, untypeset, errors, raw, images, links, ids};
}
"""


def test_every_chapter_has_a_page(site):
    assert sorted(pages(site)) == sorted(EXPECTED_PAGES)


def test_no_remote_assets(site):
    """Scripts, styles, fonts and images all come from the site itself."""
    remote = re.compile(r"""(?:src|href)=["'](?:https?:)?//(?!127\.0\.0\.1)[^"']+\.(?:js|css|woff2?|ttf|png|svg)""")
    offenders = {}
    for page in pages(site):
        hits = remote.findall((site / page).read_text(encoding="utf-8"))
        if hits:
            offenders[page] = hits[:3]
    assert not offenders, f"pages that load assets from the network: {offenders}"
    assert (site / "_static" / "mathjax" / "tex-chtml.js").exists(), "MathJax is not served by the site"


@pytest.mark.parametrize("page", EXPECTED_PAGES)
def test_page_in_browser(page, site, server, browser):
    context = browser.new_context(viewport=VIEWPORT)
    blocked, failed, console = [], [], []

    def route(r):
        if r.request.url.startswith(server):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.set_default_timeout(MATH_TIMEOUT)
    pg.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: console.append(str(e)))
    pg.on("requestfailed", lambda r: failed.append(r.url) if r.url.startswith(server) else None)
    try:
        response = pg.goto(server + page, wait_until="load")
        assert response is not None and response.status == 200, f"{page}: HTTP {response and response.status}"
        pg.wait_for_function(
            "() => !window.MathJax || !MathJax.startup || !MathJax.startup.promise ? true :"
            " MathJax.startup.promise.then(() => true)", timeout=MATH_TIMEOUT)
        pg.wait_for_load_state("networkidle")
        state = pg.evaluate(PAGE_STATE_JS)
        shot = ARTIFACTS / (page.replace("/", "__").replace(".html", ".png"))
        pg.screenshot(path=str(shot), full_page=False)
    finally:
        context.close()

    # The theme logs one harmless message when no colour mode is stored yet.
    errors = [c for c in console if "invalid theme mode" not in c.lower()]
    assert not errors, f"{page}: console errors {errors[:5]}"
    assert not failed, f"{page}: requests that failed {failed[:5]}"
    assert not blocked, f"{page}: tried to reach the network: {blocked[:5]}"
    assert not state["untypeset"], f"{page}: formulas MathJax did not typeset: {state['untypeset'][:5]}"
    assert not state["errors"], f"{page}: MathJax errors: {state['errors'][:5]}"
    assert not state["raw"], f"{page}: raw $…$ left in the text: {state['raw'][:5]}"
    broken = [i["src"] for i in state["images"] if not i["ok"]]
    assert not broken, f"{page}: images that did not load: {broken[:5]}"
    if page.startswith("notebooks/") and "extras" not in page:
        assert state["math"] > 0, f"{page}: a chapter without a single typeset formula?"

    here = server + page
    for link in state["links"]:
        if not link.startswith(server):
            continue
        target, anchor = urldefrag(link)
        path = urlparse(target).path[1:] or "index.html"
        if path.endswith("/"):
            path += "index.html"
        file = site / path
        assert file.exists(), f"{page}: internal link to a missing page {link}"
        if anchor and file.suffix == ".html" and urljoin(here, target) != here:
            html = file.read_text(encoding="utf-8", errors="replace")
            assert f'id="{anchor}"' in html, f"{page}: link {link} names an anchor that page does not have"
        elif anchor and urldefrag(here)[0] == target:
            assert anchor in state["ids"], f"{page}: link to #{anchor}, which this page does not have"
