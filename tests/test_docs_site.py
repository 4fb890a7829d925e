"""The documentation site builds with warnings as errors, and its generated pages hold the truth.

Sphinx and MyST come from the `docs` dependency group. Outside CI a missing Sphinx skips these
tests; in CI (the CI variable is set) it fails them, so the docs can never go unchecked there.
"""

from __future__ import annotations

import html
import importlib
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from helpers import ROOT, pin_source

DOCS = ROOT / "docs"
DOCS_TOOLS = ("sphinx", "myst_parser", "pydata_sphinx_theme")


def require_docs_tools() -> None:
    """Skip without Sphinx and MyST, except in CI, where a missing docs tool is a failure."""
    for module in DOCS_TOOLS:
        if os.environ.get("CI"):
            importlib.import_module(module)
        else:
            pytest.importorskip(module)


class Links(HTMLParser):
    """Every href and every id of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value is not None and tag in ("a", "link"):
                self.hrefs.append(value)
            elif name in ("id", "name") and value:
                self.ids.add(value)


def parse(page: Path) -> Links:
    links = Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


def text_of(page: Path) -> str:
    """A page's text, without tags: highlighted code reads as it was written."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once with warnings as errors (broken cross-references are warnings)."""
    require_docs_tools()
    out = tmp_path_factory.mktemp("docs") / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", DOCS, out],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_every_relative_link_and_anchor_exists(site: Path) -> None:
    pages = {
        page: parse(page)
        for page in site.rglob("*.html")
        if "_static" not in page.relative_to(site).parts  # the theme's assets, not pages
    }
    assert site / "what-you-get.html" in pages
    broken = []
    for page, links in pages.items():
        for href in links.hrefs:
            url = urlsplit(href)
            if url.scheme or url.netloc or not (url.path or url.fragment):
                continue  # another site, or a bare "#"
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {href}")
            elif url.fragment and target.suffix == ".html":
                target_links = pages.get(target) or parse(target)
                if unquote(url.fragment) not in target_links.ids:
                    broken.append(f"{page.relative_to(site)}: {href} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_questions_page_lists_every_question(site: Path) -> None:
    copier_yml = yaml.safe_load((ROOT / "copier.yml").read_text())
    # Every question Copier asks or records; not the values it computes from them (`when: false`).
    questions = [
        name
        for name, spec in copier_yml.items()
        if not name.startswith("_") and spec.get("when", True) is not False
    ]
    assert {"pypi_name", "release_workflow", "zizmor", "action_pins"} <= set(questions)
    page = (site / "questions.html").read_text(encoding="utf-8")
    ids = parse(site / "questions.html").ids
    for name in questions:
        assert f'<span class="pre">{name}</span>' in page, name
        assert f"question-{name.replace('_', '-')}" in ids, name
    assert copier_yml["_answers_file"] in text_of(site / "questions.html")


def test_what_you_get_shows_the_rendered_publish_pin(site: Path) -> None:
    sha, comment = pin_source()["pypa/gh-action-pypi-publish"]
    text = text_of(site / "what-you-get.html")
    assert f"uses: pypa/gh-action-pypi-publish@{sha} # {comment}" in text
    assert "permissions: {}" in text
    # RELEASING.md is included as rendered Markdown, with the example's values filled in.
    assert "Releasing example" in text
    assert "https://pypi.org/manage/project/example/settings/publishing/" in text


def test_docs_name_the_real_answers_file() -> None:
    """Commands in the hand-written pages use the answers file that copier.yml names."""
    answers_file = yaml.safe_load((ROOT / "copier.yml").read_text())["_answers_file"]
    for page in DOCS.glob("*.md"):
        for named in re.findall(r"\.copier-answers[\w.-]*\.yml", page.read_text()):
            assert named in (answers_file, ".copier-answers.yml"), f"{page.name}: {named}"
