"""Sphinx configuration of hardened-release's documentation site.

Why Sphinx with MyST Markdown and pydata-sphinx-theme: it is what most Scientific Python projects
(NumPy, SciPy, pandas, scikit-learn, Matplotlib) build their documentation with, so the release
teams this template is for already know how to read, build and contribute to it; MyST lets the
pages be Markdown, like the rest of this repository and the RELEASING.md the template renders.

The local extension `template_docs` (docs/_ext/) generates the questions reference from
copier.yml and renders the template for an example project at build time, into
docs/_generated/, so neither can drift from the template; its directives draw the pictures
(the release workflow's jobs, read from the rendered workflow; the trust boundaries) as inline
SVG, with no tool beyond Python. Build with warnings as errors:

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
# The package's one reader of workflow files, which the release-flow pictures read with.
sys.path.insert(0, str(DOCS.parent / "src"))

project = "hardened-release"
author = "hardened-release contributors"
copyright = "hardened-release contributors"

extensions = ["myst_parser", "template_docs"]
root_doc = "index"
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "_generated", "_ext", "_templates"]

# MyST: ::: fences for admonitions, {{ name }} substitutions (set by template_docs), and
# anchors for headings down to level 3, so that [text](page.md#heading) links are checked.
myst_enable_extensions = ["colon_fence", "substitution"]
myst_heading_anchors = 3

# template_docs: the template is the repository root, one folder up; generated files go here.
template_docs_root = str(DOCS.parent)
template_docs_generated = "_generated"

html_theme = "pydata_sphinx_theme"
html_title = "hardened-release"
# Navigation: every page in the left sidebar, on every page, in the order a release manager
# needs them (index.md's two toctrees). The theme's own sidebar shows only the pages under the
# current top-level page, which here is none, and its header bar hid the release pages under
# "More"; so the header carries no page links, and docs/_templates/sidebar-site-nav.html lists
# the whole site.
templates_path = ["_templates"]
html_theme_options = {
    "navigation_with_keys": False,
    "navbar_center": [],
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"**": ["sidebar-site-nav"]}
# The pictures' figures, and code blocks that wrap rather than scroll sideways.
html_static_path = ["_static"]
html_css_files = ["pictures.css"]
html_show_sourcelink = False
