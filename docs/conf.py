"""Sphinx configuration of the nnbook book (built by tools/build_book.py).

The book is made from the committed notebooks with their stored outputs;
nothing is executed (nbval has already checked the outputs) and nothing is
fetched: MathJax, fonts and scripts are served from the built site itself.
"""

import os
import sys
from pathlib import Path

# tools/book_api.py is the extension that lays out the API page (tools/build_book.py sets
# NNBOOK_ROOT, since it builds a staged copy of this folder).
ROOT = Path(os.environ.get("NNBOOK_ROOT") or Path(__file__).resolve().parents[1])
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

project = "nnbook"
author = "the nnbook authors"
copyright = "2026, the nnbook authors"

extensions = [
    "myst_nb",                 # notebooks and MyST markdown
    "sphinx-mathjax-offline",  # MathJax copied into _static/mathjax (no CDN)
    "book_api",                # the API page: autodoc + napoleon, and what they cannot do
]

# The API page (tools/book_api.py): autodoc reads each name's docstring, napoleon its
# Google-style sections, with the layers' "Shapes:" a section of its own (its lines are
# kept as written: tools/book_api.py's shapes_as_lines).
napoleon_numpy_docstring = False
napoleon_custom_sections = ["Shapes"]
autodoc_typehints = "none"            # book_api's hook writes the signature a learner calls
autodoc_inherit_docstrings = False    # a member without a docstring of its own is not listed
autodoc_member_order = "bysource"
# `x` in a docstring is code, linked when it names a documented object.
default_role = "py:obj"
# Quotes stay as written: docutils' smart quotes turned `params["W"]` on the API page into
# params[“W”], which a learner copying it gets a SyntaxError from. Dashes and ellipses are
# still made ("--" → "–" between an argument's name and its text, as napoleon writes it).
smartquotes_action = "De"
# The folders' entries (automodule) make Python's module index; the book has no page for it.
html_domain_indices = False

# Stored outputs only: the book never runs a notebook.
nb_execution_mode = "off"
# Widgets need a kernel; their static figure is stored beside them. Never load
# the ipywidgets JavaScript from a CDN.
nb_ipywidgets_js = {}
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
# MathJax 3 reads $…$ that myst turned into \(…\); no remote configuration.
mathjax3_config = {"tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]]}}

html_theme = "sphinx_book_theme"
# The sidebar's title and every page's "<page> — nnbook". The landing page's heading
# is the full name, "nnbook: neural networks from scratch", and its <title> is that
# heading alone (_templates/layout.html), so the name never appears twice.
html_title = "nnbook"
# The colour mode a first visit starts in. pydata-sphinx-theme (under the book theme)
# reads it from here; left unset, every page logged "Got invalid theme mode: ." to
# the console before falling back to "auto".
html_context = {"default_mode": "auto"}
templates_path = ["_templates"]
html_theme_options = {
    "use_download_button": True,     # "download this notebook" (.ipynb) on every chapter
    "show_toc_level": 2,
    # The sidebar's title links to the landing page; listed again under it, the page
    # showed the book's name a second time.
    "home_page_in_toc": False,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
}
html_static_path = ["_static"]
# A page without an icon makes the browser ask for /favicon.ico, a 404 in the console.
html_favicon = "_static/favicon.svg"
html_css_files = ["book.css"]
# On the search page opened from disk, a note on how to serve the book (search shows titles
# only there).
html_js_files = ["book.js"]
html_last_updated_fmt = None
# Pygments' and the theme's fonts are system fonts; no Google Fonts.
html_show_sourcelink = True
html_copy_source = True

# The API page's contents list: "Dense", "fit()", not "nb.Dense.fit()" (which was cut off).
toc_object_entries_show_parents = "hide"
# Signatures of the API page: one parameter per line only when they do not fit.
python_maximum_signature_line_length = 88

exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
suppress_warnings = []
