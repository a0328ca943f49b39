"""The book website, as a reader opens it: every page in headless Chromium, offline.

`tools/build_book.py` builds the static site from the committed notebooks
(Sphinx, warnings as errors). This test builds it into a temporary folder,
serves it from 127.0.0.1, and opens every page with every request to any
other address aborted. On each page it checks that

- the page loads without console errors or failed requests;
- every formula is typeset: MathJax rendered each math element, shows no
  error (`mjx-merror`), and no raw `$…$` is left in the text;
- every formula is whole: no stray `$` or raw TeX (`\\binom{T}{k}`) in the prose, and no
  prose swallowed by a formula (what a `$$…$$` on its own line inside a paragraph does:
  myst's dollarmath reads it as `$` + `$…$`, and the next `$` pairs up wrongly). The
  notebooks' markdown is read with myst's own parser without a build too (not marked
  `browser`): a blank line before and after a display equation fixes it;
- every image decoded (naturalWidth > 0);
- every internal link resolves to a file of the site (and its #anchor exists);
- at 1280 px, no code cell scrolls sideways (the notebooks' code lines are at most
  88 characters; docs/_static/book.css sizes the code font and the column for them);
- at 1280 px, no display equation is cut off or scrolls sideways: MathJax does not break
  display lines, and docs/_static/book.js sets one wider than the column smaller to fit,
  which must leave it at least MIN_MATH_SCALE of its size (else break the equation);
- no console error at all (the theme's "invalid theme mode" included: docs/conf.py
  sets the default mode), and no request for a missing file (/favicon.ico included).

The API page and the landing page get their own checks (grouped sections, real
signatures, rendered docstrings, the contents list not cut off, the landing
page's <title>), and tools/book_api.py, which lays out the API page for Sphinx's
autodoc and napoleon, has unit tests here that need no browser and no build (not
marked `browser`).

A screenshot of each page goes to `$NNBOOK_ARTIFACTS/book/` (default
`ci-artifacts/book/`). Needs the `docs` extra, the `playwright` package and a
Chromium (see tests/test_jupyterlab.py); skipped without them, except under CI.
The pages open in Debian's `chromium-headless-shell` when it is installed (the same
Blink and V8 as its `chromium`, without the browser's own windows: half the CPU a page),
else in the Chromium tests/test_jupyterlab.py finds.
"""

import functools
import glob
import html.parser
import http.server
import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from test_jupyterlab import CHROMIUM_ARGS, find_chromium, in_ci

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import book_api  # noqa: E402  (tools/book_api.py)

browser_test = pytest.mark.browser   # every test that builds the site or opens a browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("NNBOOK_ARTIFACTS") or ROOT / "ci-artifacts") / "book"
VIEWPORT = {"width": 1280, "height": 900}
# the smallest size (of MathJax's own) book.js may set a display equation at to fit 1280 px
MIN_MATH_SCALE = 0.75                 # book.js's MIN_SCALE: below it, an equation scrolls
# Display equations allowed to stay too wide at 1280 px (they scroll sideways with their
# scrollbar always shown, book.css): none; one that does not fit is broken over lines
# (\begin{aligned}). An entry here is a page and its count; the test fails when a listed
# one fits, so the entry goes, and for any other page.
SCROLLING_MATH = {}
# ms for MathJax to finish a page, and for any page action (Playwright's default is 30 s):
# a wait-until limit, far above a quiet machine's need, so a loaded machine does not fail it
MATH_TIMEOUT = 120_000


# Debian's chromium-headless-shell: Chromium's own headless build, of the same sources and
# version as its chromium package (both need the same chromium-common), so the book's pages
# are laid out and typeset exactly as there. The full browser (what --headless runs since
# Chromium 132) also runs its own windows and WebUI pages (the address bar's popup is one),
# which took as much CPU as the book's pages: about 5.0 s a chapter in all there, 2.3 s here.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"


def find_book_chromium():
    """NNBOOK_CHROMIUM when set, else the headless shell when installed, else find_chromium()."""
    if not os.environ.get("NNBOOK_CHROMIUM") and os.access(HEADLESS_SHELL, os.X_OK):
        return HEADLESS_SHELL
    return find_chromium()


def missing():
    out = []
    for module, advice in (("sphinx", 'pip install -e ".[docs]"'), ("myst_nb", 'pip install -e ".[docs]"'),
                           ("sphinx_book_theme", 'pip install -e ".[docs]"'),
                           ("playwright", 'pip install -e ".[dev]"')):
        if importlib.util.find_spec(module) is None:
            out.append(f"{module} is not installed ({advice})")
    if find_book_chromium() is None:
        out.append("no Chromium (apt-get install chromium, or set NNBOOK_CHROMIUM)")
    return out


# --- formulas that are whole: no stray $, no raw TeX in the prose, no prose in a formula -------

# Arguments that are prose inside a formula by design (\text{ left out}), and TeX's commands
# (\in, \quad), which are not words.
TEX_TEXT_ARGUMENT = re.compile(r"\\(?:text|textrm|textit|textbf|mathrm|operatorname|mbox)\s*\{[^{}]*\}")
TEX_COMMAND = re.compile(r"\\[A-Za-z]+")
# four words in a row (two letters or more each) left in a formula once the above are gone:
# a sentence that a stray $ pulled in ("Average over the T! orders …")
PROSE = re.compile(r"(?<![\\\w])[A-Za-z]{2,}(?:[ ,;]+[A-Za-z]{2,}){3,}")


def math_swallowed_prose(tex):
    """Whether the formula `tex` holds prose: four words in a row outside \\text{…}, or markdown's
    `**` (what a formula opened by a stray `$` runs into)."""
    rest = TEX_COMMAND.sub(" ", TEX_TEXT_ARGUMENT.sub(" ", tex))
    return "**" in rest or PROSE.search(rest) is not None


def prose_problems(text):
    """What is wrong with `text`, prose outside any formula and code: a stray `$` (half of a
    `$$`, or a `$` whose partner went elsewhere) or a TeX command shown raw (`\\binom`)."""
    out = []
    if "$" in text:
        out.append(f"stray $ in the text: {text.strip()[:80]!r}")
    if re.search(r"\\[A-Za-z]{2,}", text):
        out.append(f"raw TeX in the text: {text.strip()[:80]!r}")
    return out


def markdown_math_problems(source, parser):
    """The problems of one markdown text as myst's parser (`parser`, with the book's
    extensions) reads it: prose_problems of each run of text, and formulas that swallowed prose."""
    out = []
    for token in parser.parse(source):
        for child in token.children or ():
            if child.type == "text":
                out += prose_problems(child.content)
            elif child.type.startswith("math") and math_swallowed_prose(child.content):
                out.append(f"prose in a formula: {child.content.strip()[:80]!r}")
    return out


@functools.lru_cache(maxsize=None)
def myst_parser_of_the_book():
    """myst's markdown parser with docs/conf.py's extensions (dollarmath, amsmath), as the
    book reads the notebooks' markdown cells."""
    pytest.importorskip("myst_parser", reason='myst-parser is not installed (pip install -e ".[docs]")')
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    conf = {"__file__": str(ROOT / "docs" / "conf.py")}
    exec((ROOT / "docs" / "conf.py").read_text(encoding="utf-8"), conf)
    config = MdParserConfig(enable_extensions=set(conf["myst_enable_extensions"]))
    return create_md_parser(config, RendererHTML)


def book_markdown():
    """(where, markdown) for every markdown cell of the notebooks and the README's landing page."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    yield "README.md (book:start…book:end)", readme.split("<!-- book:start -->", 1)[-1].split(
        "<!-- book:end -->", 1)[0]
    for path in sorted(glob.glob(str(ROOT / "notebooks" / "**" / "*.ipynb"), recursive=True)):
        cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                yield f"{Path(path).relative_to(ROOT)} cell {index}", source


def test_every_formula_in_the_notebooks_is_whole():
    """A display equation `$$…$$` on its own line inside a paragraph (no blank line before it)
    is not a display to myst: it reads `$` + `$…$`, and the `$`s after it pair up wrongly, so
    whole sentences become one italic formula and `\\binom{T}{k}` shows raw (chapter 08's
    section 5 and chapter 28's section 1 did). Put a blank line before and after it."""
    parser = myst_parser_of_the_book()
    found = [f"{where}: {problem}" for where, source in book_markdown()
             for problem in markdown_math_problems(source, parser)]
    assert not found, ("formulas that do not render whole in the book (a $$ display needs a blank "
                       "line before and after it):\n" + "\n".join(found[:20]))


def test_the_formula_check_catches_a_display_inside_a_paragraph():
    """The check above can fail: a `$$` display run into its paragraph is caught, and the same
    display with blank lines around it passes."""
    parser = myst_parser_of_the_book()
    broken = ("In every order:\n$$-\\log p(x) = \\sum_j q_j.$$\nAverage over the orders: any of the "
              "$\\binom{T}{k}$ sets, so\n$$a = b.$$\nwhere $x$ is what is visible.\n")
    problems = markdown_math_problems(broken, parser)
    assert any("stray $" in p for p in problems), problems
    assert any("raw TeX" in p and "binom" in p for p in problems), problems
    assert any("prose in a formula" in p for p in problems), problems
    fixed = broken.replace("\n$$", "\n\n$$").replace("$$\n", "$$\n\n")
    assert markdown_math_problems(fixed, parser) == []
    assert markdown_math_problems("costs $5 and \\(x\\)", parser)   # any $ in prose is flagged
    assert not markdown_math_problems("$\\text{terms with a tap outside } 0..f-1 \\text{ left out}$",
                                      parser)


class HtmlMath(html.parser.HTMLParser):
    """A built page's prose (outside code, formulas, scripts and cell outputs) and its
    formulas' TeX as Sphinx wrote them (`<span class="math">\\(…\\)</span>`, before MathJax)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
    SKIP = {"pre", "code", "script", "style", "kbd", "samp"}
    SKIP_CLASSES = {"output", "cell_output", "highlight"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.prose, self.math = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        kind = ("math" if "math" in classes else
                "skip" if tag in self.SKIP or classes & self.SKIP_CLASSES else None)
        self.stack.append((tag, kind))
        if kind == "math" and not any(k for _, k in self.stack[:-1]):
            self.math.append("")

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        kinds = [k for _, k in self.stack if k]
        if not kinds:
            self.prose.append(data)
        elif kinds[0] == "math":
            self.math[-1] += data


def html_math_problems(page_html):
    """prose_problems of a built page's prose and its formulas that swallowed prose."""
    parsed = HtmlMath()
    parsed.feed(page_html)
    out = [p for text in parsed.prose for p in prose_problems(text)]
    return out + [f"prose in a formula: {tex.strip()[:80]!r}" for tex in parsed.math
                  if math_swallowed_prose(tex)]


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
    # a build of minutes says where it is: a line per stage, then Sphinx's line per page
    for stage in ("book: staging", "book: writing the API page", "book: Sphinx:"):
        assert stage in done.stdout, f"tools/build_book.py no longer prints {stage!r}"
    assert "notebooks/28_diffusion_language_model" in done.stdout, "Sphinx prints no line per page"
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
    missing = []   # paths asked for that the site does not have (a browser's /favicon.ico too)

    def log_message(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        if code == 404:
            QuietHandler.missing.append(self.path)
        super().send_error(code, message, explain)


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=find_book_chromium(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Requests:
    """The page's requests still in flight. Playwright's wait for "networkidle" waits for
    Chromium's own signal, which the headless shell did not always give (a chapter waited
    the whole timeout with nothing in flight), so the test counts the requests itself."""

    QUIET = 0.5   # s without a request in flight, as "networkidle" means

    def __init__(self, pg):
        self.pg, self.pending, self.last = pg, set(), time.monotonic()
        pg.on("request", lambda request: self.pending.add(request))
        pg.on("requestfinished", self.done)
        pg.on("requestfailed", self.done)

    def done(self, request):
        self.pending.discard(request)
        self.last = time.monotonic()

    def settle(self, timeout=None):
        """Wait until no request has been in flight for QUIET seconds."""
        deadline = time.monotonic() + (timeout or MATH_TIMEOUT) / 1000
        while self.pending or time.monotonic() - self.last < self.QUIET:
            assert time.monotonic() < deadline, (
                f"requests still in flight: {[r.url for r in self.pending][:5]}")
            self.pg.wait_for_timeout(100)


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
  // code cells that scroll sideways (their lines are at most 88 characters)
  const clipped = Array.from(document.querySelectorAll('.cell_input pre'))
    .filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => `${p.scrollWidth - p.clientWidth} px too narrow for: ${p.textContent.split('\n').reduce((a, b) => b.length > a.length ? b : a, '').slice(0, 90)}`);
  // printed outputs that scroll sideways (book.css wraps them at the column's edge)
  const clippedOutputs = Array.from(document.querySelectorAll('.cell_output pre, .output pre'))
    .filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => `${p.scrollWidth - p.clientWidth} px too narrow for: ${p.textContent.slice(0, 90)}`);
  // display equations cut off at the column's edge (wider than their box, or reaching past
  // the .math block that holds them), and the scale book.js set to fit the others
  const displays = Array.from(document.querySelectorAll('mjx-container[display="true"]'));
  const label = m => (m.getAttribute('aria-label') || m.parentElement.textContent || '').trim().slice(0, 70);
  const wideMath = displays.filter(m => {
      const inner = m.querySelector('mjx-math') || m;
      return m.scrollWidth > m.clientWidth + 1
        || inner.getBoundingClientRect().right > m.parentElement.getBoundingClientRect().right + 1;
    }).map(m => ({text: `${m.scrollWidth - m.clientWidth} px too wide: ${label(m)}`,
                  scrolls: getComputedStyle(m).overflowX === 'scroll'}));
  const scaledMath = displays.filter(m => m.dataset.scale)
    .map(m => ({scale: parseFloat(m.dataset.scale), text: label(m),
                scrolls: m.classList.contains('nnbook-math-scroll')}));
  const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
  const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id);
  return {math: math.length, untypeset, errors, raw, images, links, ids, clipped, clippedOutputs,
          wideMath, scaledMath, displayMath: displays.length,
          codeCells: document.querySelectorAll('.cell_input pre').length};
}
"""


@browser_test
def test_every_chapter_has_a_page(site):
    assert sorted(pages(site)) == sorted(EXPECTED_PAGES)


@browser_test
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


@browser_test
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
    requests = Requests(pg)
    pg.set_default_timeout(MATH_TIMEOUT)
    pg.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: console.append(str(e)))
    pg.on("requestfailed", lambda r: failed.append(r.url) if r.url.startswith(server) else None)
    QuietHandler.missing.clear()
    try:
        response = pg.goto(server + page, wait_until="load")
        assert response is not None and response.status == 200, f"{page}: HTTP {response and response.status}"
        pg.wait_for_function(
            "() => !window.MathJax || !MathJax.startup || !MathJax.startup.promise ? true :"
            " MathJax.startup.promise.then(() => true)", timeout=MATH_TIMEOUT)
        requests.settle()
        state = pg.evaluate(PAGE_STATE_JS)
        shot = ARTIFACTS / (page.replace("/", "__").replace(".html", ".png"))
        pg.screenshot(path=str(shot), full_page=False)
    finally:
        context.close()

    assert not console, f"{page}: console errors {console[:5]}"
    assert not QuietHandler.missing, f"{page}: asked the server for missing files {QuietHandler.missing[:5]}"
    assert not failed, f"{page}: requests that failed {failed[:5]}"
    assert not blocked, f"{page}: tried to reach the network: {blocked[:5]}"
    assert not state["untypeset"], f"{page}: formulas MathJax did not typeset: {state['untypeset'][:5]}"
    assert not state["errors"], f"{page}: MathJax errors: {state['errors'][:5]}"
    assert not state["raw"], f"{page}: raw $…$ left in the text: {state['raw'][:5]}"
    whole = html_math_problems((site / page).read_text(encoding="utf-8"))
    assert not whole, f"{page}: formulas that are not whole (a $$ display needs a blank line " \
                      f"before and after it): {whole[:5]}"
    broken = [i["src"] for i in state["images"] if not i["ok"]]
    assert not broken, f"{page}: images that did not load: {broken[:5]}"
    if page.startswith("notebooks/") and "extras" not in page:
        assert state["math"] > 0, f"{page}: a chapter without a single typeset formula?"
    if page.startswith("notebooks/"):
        assert state["codeCells"] > 0, f"{page}: no code cell found (.cell_input pre)"
    assert not state["clipped"], (
        f"{page}: at {VIEWPORT['width']} px, {len(state['clipped'])} code cell(s) scroll sideways "
        f"(docs/_static/book.css sets the code font and the column): {state['clipped'][:3]}")
    wide = [m["text"] for m in state["wideMath"]]
    assert len(wide) == SCROLLING_MATH.get(page, 0), (
        f"{page}: at {VIEWPORT['width']} px, {len(wide)} display equation(s) cut off or "
        f"scrolling sideways (docs/_static/book.js fits them), where SCROLLING_MATH expects "
        f"{SCROLLING_MATH.get(page, 0)}: {wide[:3]}")
    assert all(m["scrolls"] for m in state["wideMath"]), (
        f"{page}: a display equation too wide for the column without the scrollbar book.css "
        f"always shows: cut off. {wide[:3]}")
    small = [m for m in state["scaledMath"]                 # (those that scroll: above)
             if m["scale"] < MIN_MATH_SCALE and not m["scrolls"]]
    assert not small, (
        f"{page}: display equation(s) fit 1280 px only below {MIN_MATH_SCALE:.0%} of their size; "
        f"break them over lines (\\begin{{aligned}} … \\\\ …): {small[:3]}")
    assert not state["clippedOutputs"], (
        f"{page}: at {VIEWPORT['width']} px, {len(state['clippedOutputs'])} printed output(s) "
        f"scroll sideways (docs/_static/book.css wraps them): {state['clippedOutputs'][:3]}")

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


# --- the landing page and the API page in the browser ---------------------------------------

def open_page(browser, server, page):
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    requests = Requests(pg)
    pg.set_default_timeout(MATH_TIMEOUT)
    pg.goto(server + page, wait_until="load")
    requests.settle()
    return context, pg


@browser_test
def test_landing_page_names_the_book_once(site, server, browser):
    context, pg = open_page(browser, server, "index.html")
    try:
        state = pg.evaluate("""() => ({
          title: document.title,
          heading: document.querySelector('main h1').textContent.replace('#', '').trim(),
          sidebar: document.querySelector('.bd-sidebar-primary').innerText})""")
    finally:
        context.close()
    assert state["title"] == state["heading"] == "nnbook: neural networks from scratch", state
    assert state["heading"] not in state["sidebar"], "the sidebar repeats the landing page's heading"


@browser_test
def test_search_from_disk_finds_pages_and_says_how_to_serve_the_book(site, server, browser):
    """Opened from disk the browser lets search read its index but not the pages' texts:
    the results are titles, and a note (docs/_static/book.js) says how to serve the book."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        pg = context.new_page()
        pg.goto((site / "search.html").as_uri() + "?q=attention", wait_until="load")
        pg.wait_for_function("document.querySelectorAll('#search-results li').length > 0",
                             timeout=MATH_TIMEOUT)
        note = pg.evaluate("() => document.getElementById('search-from-disk').textContent")
    finally:
        context.close()
    assert "python -m http.server --directory" in note and "search.html" in note
    context, pg = open_page(browser, server, "search.html?q=attention")
    try:
        served = pg.evaluate("() => document.getElementById('search-from-disk') === null")
    finally:
        context.close()
    assert served, "the note is for a book opened from disk only"


API_STATE_JS = r"""
() => {
  const text = e => {
    if (!e) return null;
    const c = e.cloneNode(true);
    c.querySelectorAll('.headerlink').forEach(h => h.remove());
    // a long signature is one parameter per line: "fit( x, y, …, ) → History"
    return c.textContent.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/,? \)/g, ')').trim();
  };
  const main = document.querySelector('main');
  const dd = id => { const dt = document.getElementById(id); return dt ? dt.nextElementSibling : null; };
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const ticks = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('pre, .highlight')) continue;
    if (n.textContent.includes('``')) ticks.push(n.textContent.trim().slice(0, 80));
  }
  const side = document.querySelector('.bd-sidebar-secondary');
  const box = side.getBoundingClientRect();
  const toc = Array.from(side.querySelectorAll('nav a')).filter(a => a.offsetParent !== null);
  const signatures = {};
  main.querySelectorAll('dt[id]').forEach(dt => { signatures[dt.id] = text(dt); });
  // napoleon's Parameters are a field list: one item per argument
  const denseArgs = Array.from((dd('nb.Dense') || main).querySelectorAll(':scope > dl.field-list li')).map(text);
  return {
    sections: Array.from(main.querySelectorAll('section > h2')).map(text),
    signatures, ticks, denseArgs,
    denseBody: text(dd('nb.Dense')),
    fusesBody: text(dd('nb.BinaryCrossEntropy.fuses_with')),
    preformatted: Array.from(main.querySelectorAll('dd > div.highlight-text pre, dd > pre')).length,
    tocOverflow: toc.filter(a => a.getBoundingClientRect().right > box.right + 1 || a.scrollWidth > a.clientWidth + 1).map(text),
    tocOverflowY: getComputedStyle(side).overflowY,
    tocLinks: toc.length,
  };
}
"""


@pytest.fixture(scope="module")
def api_state(site, server, browser):
    context, pg = open_page(browser, server, "api.html")
    try:
        return pg.evaluate(API_STATE_JS)
    finally:
        context.close()


@browser_test
def test_api_page_is_grouped_by_role(api_state):
    import nnbook as nb

    expected = [title for title, _, entries in book_api.layout(nb) if entries]
    assert api_state["sections"] == expected
    assert api_state["sections"][:3] == ["Layers", "Functions the layers compute", "The model and its training"]
    assert "Other names" not in api_state["sections"], "a public name that no section of tools/book_api.py lists"
    described = set(book_api.Page(nb).home.values())
    assert described <= set(api_state["signatures"]), sorted(described - set(api_state["signatures"]))[:10]


@browser_test
def test_api_page_shows_real_signatures(api_state):
    sigs = api_state["signatures"]
    assert sigs["nb.Dense"] == "class nb.Dense(n_in, n_out, *, init='xavier', rng=None, dtype=np.float64)"
    assert sigs["nb.Sigmoid"] == "class nb.Sigmoid"
    assert sigs["nb.Layer"] == "class nb.Layer"
    assert sigs["nb.load_model"].startswith("nb.load_model(path")
    assert sigs["nb.Sequential.fit"].startswith("fit(x, y, epochs=1")
    bad = {k: v for k, v in sigs.items()
           if "'None'" in v or "*args, **kwargs" in v and k.startswith(("nb.Sigmoid", "nb.ReLU"))
           or "**keras" in v or "<class" in v or "(self" in v}
    assert not bad, bad


@browser_test
def test_api_page_renders_docstrings(api_state):
    assert not api_state["ticks"], f"raw ``…`` left in the text: {api_state['ticks'][:5]}"
    assert "Parameters" in api_state["denseBody"] and "Shapes" in api_state["denseBody"]
    for wanted in ("n_in – input and output sizes", "n_out – input and output sizes"):
        assert any(item.startswith(wanted) for item in api_state["denseArgs"]), api_state["denseArgs"]
    assert "Shapes x: (m, n_in) → y: (m, n_out) x: (m, …, n_in)" in api_state["denseBody"]
    # a method shows its own docstring: Dense.output_shape has none, so it is not listed
    assert "Shape of one output sample" not in api_state["denseBody"]
    # BinaryCrossEntropy.fuses_with names the class; it does not show Sigmoid's docstring
    assert api_state["signatures"]["nb.BinaryCrossEntropy.fuses_with"] == "fuses_with = nb.Sigmoid"
    assert "σ(x) = 1/(1 + e^(−x))" not in (api_state["fusesBody"] or "")


@browser_test
def test_api_contents_list_fits_its_column(api_state):
    assert api_state["tocLinks"] >= len(api_state["sections"])
    assert not api_state["tocOverflow"], f"contents entries cut off: {api_state['tocOverflow'][:5]}"
    assert api_state["tocOverflowY"] in {"auto", "scroll"}, "a long contents list must scroll"


# --- tools/book_api.py and docs/conf.py, without a browser ----------------------------------

def test_signature_text_is_what_a_learner_calls():
    import numpy as np

    import nnbook as nb

    class Demo:
        def __init__(self, n_in: int = None, n_out: int = "missing", *, dtype=np.float64, **keras):
            pass

        def run(self, x, *, fn=print, rate: float = None) -> "Demo":
            pass

    class Refuses:
        def __init__(self, *args, **kwargs):
            pass

    def forwards(ax, **kwargs) -> None:
        pass

    assert book_api.signature_text(Demo) == "(n_in, n_out, *, dtype=np.float64)"
    assert book_api.signature_text(Demo.run, method=True) == "(x, *, fn=print, rate=None) -> Demo"
    assert book_api.signature_text(Refuses) == "()"
    assert book_api.signature_text(forwards) == "(ax, **kwargs)"
    assert book_api.signature_text(nb.Dense) == "(n_in, n_out, *, init='xavier', rng=None, dtype=np.float64)"
    assert book_api.signature_text(nb.Sigmoid) == book_api.signature_text(nb.Layer) == "()"
    assert "other_spellings" not in book_api.signature_text(nb.SGD)


def test_napoleon_reads_the_sections_and_the_hooks_do_the_rest():
    """What the page's docstrings become is napoleon's work, with docs/conf.py's settings:
    ``Args:`` the parameters, ``Shapes:`` a section of its own whose lines stay as written
    (book_api's hook makes them a line block, and a ``Shapes (note):`` title the note and
    a bare title); book_api also writes the signatures."""
    from sphinx.ext.napoleon import Config, GoogleDocstring

    conf = {"__file__": str(ROOT / "docs" / "conf.py")}
    exec((ROOT / "docs" / "conf.py").read_text(encoding="utf-8"), conf)
    config = Config(**{k: v for k, v in conf.items() if k.startswith("napoleon_")})
    lines = ["Fully connected.", "", "Shapes (k = the heads):", "    x: (m, n_in)  →  y: (m, n_out)",
             "    with ``flag=True``: a pair,", "        the second (m, k)", "",
             "Args:", "    n_in: the size,", "        at least 1.", "    rng: a generator."]
    book_api.shapes_as_lines(None, "class", "nb.Demo", None, {}, lines)
    assert lines[2:8] == ["In the shapes, k = the heads.", "", "Shapes:",
                          "    | x: (m, n_in)  →  y: (m, n_out)", "    | with ``flag=True``: a pair,",
                          "      the second (m, k)"]
    rst = str(GoogleDocstring(lines, config, what="class"))
    assert ".. rubric:: Shapes\n\n| x: (m, n_in)  →  y: (m, n_out)\n| with ``flag=True``" in rst, rst
    assert re.search(r":param n_in: the size,\n +at least 1\.", rst) and ":param rng: a generator." in rst, rst

    import nnbook as nb

    page = book_api.Page(nb)
    assert book_api._signature(page, "class", "nb.Dense", nb.Dense) == (
        "(n_in, n_out, *, init='xavier', rng=None, dtype=np.float64)", None)
    assert book_api._signature(page, "method", "nb.Sequential.evaluate", nb.Sequential.evaluate)[0] \
        .startswith("(x, y")
    assert book_api._signature(page, "function", "nb.load_model", nb.load_model) == (
        "(path, custom_objects=None)", "Sequential")
    assert book_api._signature(page, "property", "nb.Layer.x", None) is None


def test_api_page_describes_every_public_name_once():
    import nnbook as nb

    page = book_api.Page(nb)
    text = page.text()
    for name in nb.__all__:
        obj = getattr(nb, name)
        if not isinstance(obj, type(nb)):
            assert page.home[id(obj)] == f"nb.{name}"
            assert re.search(rf"^\.\. auto(class|function):: nb\.{name}$", text, re.M), name
            continue
        if name not in book_api.FOLDERS_AT_TOP_LEVEL:
            assert f"### `nb.{name}`" in text
        members = [getattr(obj, n) for n in getattr(obj, "__all__", [])]
        undescribed = [m for m in members if callable(m) and id(m) not in page.home]
        assert not undescribed, f"nb.{name}: {undescribed}"
    # each object once; a second name for it links to the first
    assert text.count(".. autofunction:: nb.data.one_hot\n") == 1
    assert "`nb.labels.one_hot` is {py:obj}`nb.data.one_hot <nb.data.one_hot>`" in text


def test_a_new_layer_finds_its_section():
    import types

    import nnbook as nb

    class Mine(nb.Layer):
        """A learner's layer."""

    def helper():
        """Not placed anywhere."""

    fake = types.SimpleNamespace(**{n: getattr(nb, n) for n in nb.__all__})
    fake.__all__ = [*nb.__all__, "Mine", "helper"]
    fake.Mine, fake.helper = Mine, helper
    sections = {title: [full for full, _ in entries] for title, _, entries in book_api.layout(fake)}
    assert "nb.Mine" in sections["Layers"]
    assert sections["Other names"] == ["nb.helper"]


def test_class_members_are_their_own():
    import nnbook as nb

    dense = {name for _, name, _ in book_api.class_members(nb.Dense)}
    assert "output_shape" not in dense, "an override without a docstring is the base class's"
    assert ("attribute", "fuses_with", nb.Sigmoid) in list(book_api.class_members(nb.BinaryCrossEntropy))
    assert book_api.own_doc(nb.Sigmoid) == nb.Sigmoid.__doc__
    assert book_api.own_doc(nb.BinaryCrossEntropy.fuses_with) is not None   # a class keeps its own
    text = book_api.Page(nb).text()
    block = text.split(".. autoclass:: nb.BinaryCrossEntropy\n", 1)[1].split("```\n", 1)[0]
    assert "   .. py:attribute:: fuses_with\n      :value: nb.Sigmoid" in block
    assert nb.Sigmoid.__doc__.splitlines()[0] not in block


def test_members_of_unexported_bases_are_the_classes_own():
    import nnbook as nb

    model = {name for _, name, _ in book_api.class_members(nb.Sequential)}
    assert {"fit", "get_weights", "gradient_pairs", "params"} <= model     # ModelWeights'
    attention = {name for _, name, _ in book_api.class_members(nb.MultiHeadAttention)}
    assert {"start_cache", "clear_cache"} <= attention                    # Caching's
    sigmoid = {name for _, name, _ in book_api.class_members(nb.Sigmoid)}
    assert "get_config" not in sigmoid               # Layer's, which has its own entry


def test_book_config_theme_mode_and_title():
    conf = {"__file__": str(ROOT / "docs" / "conf.py")}
    exec((ROOT / "docs" / "conf.py").read_text(encoding="utf-8"), conf)
    # pydata-sphinx-theme logs "Got invalid theme mode" for anything else (it was empty)
    assert conf["html_context"]["default_mode"] in {"light", "dark", "auto"}
    assert conf["html_title"] == "nnbook"
    assert conf["html_theme_options"]["home_page_in_toc"] is False
    template = (ROOT / "docs" / "_templates" / "layout.html").read_text(encoding="utf-8")
    assert "pagename == root_doc" in template and "_templates" in conf["templates_path"]
    assert (ROOT / "docs" / conf["html_favicon"]).exists()
    assert conf["toc_object_entries_show_parents"] == "hide"
