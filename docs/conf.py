"""Sphinx configuration of the nnbook book (built by tools/build_book.py).

The book is made from the committed notebooks with their stored outputs;
nothing is executed (nbval has already checked the outputs) and nothing is
fetched: MathJax, fonts and scripts are served from the built site itself.
"""

project = "nnbook"
author = "the nnbook authors"
copyright = "2026, the nnbook authors"

extensions = [
    "myst_nb",                 # notebooks and MyST markdown
    "sphinx-mathjax-offline",  # MathJax copied into _static/mathjax (no CDN)
]

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
html_title = "nnbook: neural networks from scratch"
html_theme_options = {
    "use_download_button": True,     # "download this notebook" (.ipynb) on every chapter
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
}
html_static_path = ["_static"]
html_css_files = ["book.css"]
html_last_updated_fmt = None
# Pygments' and the theme's fonts are system fonts; no Google Fonts.
html_show_sourcelink = True
html_copy_source = True

exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
suppress_warnings = []
