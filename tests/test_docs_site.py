"""The documentation site builds with warnings as errors, and its generated pages hold the truth.

Sphinx and MyST come from the `docs` dependency group. Outside CI a missing Sphinx skips these
tests; in CI (the CI variable is set) it fails them, so the docs can never go unchecked there.
"""

from __future__ import annotations

import html
import importlib
import json
import os
import re
import shutil
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


BROWSERS = ("chromium", "google-chrome", "chromium-browser")
#: Measures, in the browser, each link of the left sidebar: on screen, and not covered.
PROBE = """<script>
window.addEventListener("load", () => {
  const links = [...document.querySelectorAll(".bd-sidebar-primary nav a")].map((a) => {
    const box = a.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    const shown = getComputedStyle(a).visibility === "visible" && box.width > 0 && box.height > 0;
    const inside = box.right <= innerWidth && box.bottom <= innerHeight;
    return {href: a.getAttribute("href"), visible: shown && inside && a.contains(hit)};
  });
  const probe = document.createElement("pre");
  probe.id = "sidebar-probe";
  probe.textContent = JSON.stringify(links);
  document.body.append(probe);
});
</script>
"""


def browse(browser: str, page: Path, profile: Path, *options: str) -> str:
    """Open `page` in headless Chromium at a laptop's window size; what it prints."""
    result = subprocess.run(
        [
            browser,
            *("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"),
            *("--window-size=1400,1000", f"--user-data-dir={profile}"),
            *options,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def site_order() -> list[str]:
    """The pages as docs/index.md's toctrees list them: the order of the sidebar."""
    trees = re.findall(r"```\{toctree\}\n(.*?)```", (DOCS / "index.md").read_text(), flags=re.S)
    return [
        f"{line.strip()}.html"
        for tree in trees
        for line in tree.splitlines()
        if line.strip() and not line.startswith(":")
    ]


def test_the_release_pages_come_first() -> None:
    order = site_order()
    setup, reference = order.index("quickstart.html"), order.index("questions.html")
    release = ["releasing.html", "verifying.html", "recovering.html", "updating.html"]
    assert [order.index(page) for page in release] == sorted(order.index(p) for p in release)
    assert setup < order.index("releasing.html") and order.index("updating.html") < reference


@pytest.mark.parametrize("page", ["index.html", "releasing.html"])
def test_a_browser_shows_the_sidebar_with_every_page(site: Path, tmp_path: Path, page: str) -> None:
    """Headless Chromium draws the page: a screenshot for a human (its path is in the output
    with -rA), and every sidebar link on screen, uncovered, in the order of docs/index.md."""
    browser = next(filter(None, map(shutil.which, BROWSERS)), None)
    if browser is None:
        pytest.skip("no Chromium installed: .ci/run installs it (apt-get install chromium)")
    screenshot = tmp_path / page.replace(".html", ".png")
    browse(browser, site / page, tmp_path / "profile", f"--screenshot={screenshot}")
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 20_000
    print(f"screenshot: {screenshot}")

    probe = site / page.replace(".html", ".probe.html")
    probe.write_text(
        (site / page).read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"),
        encoding="utf-8",
    )
    dom = browse(browser, probe, tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom")
    probe.unlink()
    found = re.search(r"<pre id=\"sidebar-probe\"[^>]*>(.*?)</pre>", dom, flags=re.S)
    assert found, "the probe did not run"
    links = json.loads(html.unescape(found[1]))
    assert [page if link["href"] == "#" else link["href"] for link in links] == site_order()
    hidden = [link["href"] for link in links if not link["visible"]]
    assert not hidden, f"not visible in the sidebar: {hidden}"
