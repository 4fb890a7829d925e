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
import uuid
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from helpers import ROOT, made_once, pin_source

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
def site(shared: Path) -> Path:
    """The site, built once per test run for every worker, with warnings as errors (broken
    cross-references are warnings). Tests add files to it only under names of their own."""
    require_docs_tools()

    def build(out: Path) -> None:
        command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
        result = subprocess.run(
            [*command, DOCS, out], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr

    return made_once(shared / "docs", "html", build)


def probe_page(page: Path) -> Path:
    """Where a test writes `page` with a probe: a name of its own, beside it."""
    return page.with_name(f"{page.stem}.probe-{uuid.uuid4().hex[:8]}.html")


def test_every_relative_link_and_anchor_exists(site: Path) -> None:
    pages = {
        page: parse(page)
        for page in site.rglob("*.html")
        if "_static" not in page.relative_to(site).parts  # the theme's assets, not pages
        and ".probe-" not in page.name  # another test's page with a probe, for a while
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


def browse(browser: str, page: Path, profile: Path, *options: str, size: str = "1400,1000") -> str:
    """Open `page` in headless Chromium at a laptop's window size; what it prints."""
    result = subprocess.run(
        [
            browser,
            *("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"),
            *(f"--window-size={size}", f"--user-data-dir={profile}"),
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


def probe(browser: str, page: Path, script: str, profile: Path, *options: str, size: str) -> Any:
    """What `script` (which appends <pre id="probe">JSON</pre> to the page) measured."""
    probed = probe_page(page)
    probed.write_text(
        page.read_text(encoding="utf-8").replace("</body>", script + "</body>"), encoding="utf-8"
    )
    try:
        dom = browse(
            browser, probed, profile, "--virtual-time-budget=5000", "--dump-dom", *options,
            size=size,
        )  # fmt: skip
    finally:
        probed.unlink()
    found = re.search(r"<pre id=\"probe\"[^>]*>(.*?)</pre>", dom, flags=re.S)
    assert found, "the probe did not run"
    return json.loads(html.unescape(found[1]))


def require_browser() -> str:
    browser = next(filter(None, map(shutil.which, BROWSERS)), None)
    if browser is None:
        pytest.skip("no Chromium installed: .ci/run installs it (apt-get install chromium)")
    return browser


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
    probe = probe_page(site / page)
    probe.write_text(
        (site / page).read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"),
        encoding="utf-8",
    )
    # One launch draws the page and measures it: the probe's output goes below the page.
    dom = browse(
        browser, probe, tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom",
        f"--screenshot={screenshot}",
    )  # fmt: skip
    probe.unlink()
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 20_000
    print(f"screenshot: {screenshot}")
    found = re.search(r"<pre id=\"sidebar-probe\"[^>]*>(.*?)</pre>", dom, flags=re.S)
    assert found, "the probe did not run"
    links = json.loads(html.unescape(found[1]))
    assert [page if link["href"] == "#" else link["href"] for link in links] == site_order()
    hidden = [link["href"] for link in links if not link["visible"]]
    assert not hidden, f"not visible in the sidebar: {hidden}"


#: Measures, in the browser, each picture (its size, what is drawn, whether it fits the column,
#: the colours of its text and of the page) and each code block (whether it scrolls sideways).
PICTURES_PROBE = """<script>
window.addEventListener("load", () => {
  const column = document.querySelector("article.bd-article").getBoundingClientRect();
  const colour = (element, property) => getComputedStyle(element)[property];
  // Each text's colour and the colour of the shape it is drawn on (the last one drawn under
  // its centre), once for each pair.
  const on = (svg) => {
    const shapes = [...svg.querySelectorAll("rect, path.gate")];
    const pairs = [...svg.querySelectorAll("text")].map((text) => {
      const box = text.getBBox();
      const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
      const under = shapes.filter((shape) => {
        const b = shape.getBBox();
        return b.x <= x && x <= b.x + b.width && b.y <= y && y <= b.y + b.height;
      }).pop();
      return [colour(text, "fill"), under ? colour(under, "fill") : "page"];
    });
    return [...new Set(pairs.map((pair) => pair.join("|")))].map((pair) => pair.split("|"));
  };
  const figures = [...document.querySelectorAll("figure.hr-figure")].map((figure) => {
    const svg = figure.querySelector("svg");
    const box = svg.getBoundingClientRect();
    const drawn = [...svg.querySelectorAll("rect")].filter((r) => r.getBBox().width > 0);
    const named = (attribute) => svg.querySelector("#" + CSS.escape(svg.getAttribute(attribute)));
    return {
      id: figure.id, width: box.width, height: box.height, role: svg.getAttribute("role"),
      boxes: drawn.length, texts: svg.querySelectorAll("text").length,
      arrows: svg.querySelectorAll("path.line").length,
      labelled: named("aria-labelledby")?.tagName === "title"
        && named("aria-describedby")?.tagName === "desc",
      inside: box.left >= column.left - 1 && box.right <= column.right + 1,
      description: figure.querySelector("details li") !== null,
      text: colour(svg.querySelector("text"), "fill"),
      on: on(svg),
    };
  });
  const code = [...document.querySelectorAll("article pre")].map((pre) => ({
    text: pre.textContent.slice(0, 60), scrolls: pre.scrollWidth > pre.clientWidth + 1,
  }));
  const background = colour(document.body, "backgroundColor");
  const overflow = document.documentElement.scrollWidth > window.innerWidth;
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({figures, code, background, overflow});
  document.body.append(probe);
});
</script>
"""
#: The pictures each page shows: release-flow-<which workflow>, or the trust boundaries.
PICTURES = {
    "releasing.html": [
        "release-flow-example",
        "release-flow-tag",
        "release-flow-workflow_dispatch",
    ],
    "what-you-get.html": ["release-flow-example", "release-flow-cibuildwheel"],
    "threat-model.html": ["trust-boundaries"],
    "setup.html": [],
}
LAPTOP = "1366,768"
#: Pages that show rendered files as they are: a long line of YAML scrolls inside its block.
SHOWN_AS_RENDERED = {"what-you-get.html"}


def luminance(css: str) -> float:
    """The relative luminance of a CSS rgb() colour (WCAG 2)."""
    red, green, blue = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("page", list(PICTURES))
def test_a_browser_shows_each_picture_drawn_and_fitting_the_column(
    site: Path, tmp_path: Path, page: str
) -> None:
    """At a laptop's size (1366x768), in the light and in the dark theme: each picture is there,
    drawn (boxes, text, arrows, a size), labelled for screen readers, described in words,
    inside the page's column, its text readable on the page; no part of the page, and no code
    block but the rendered files', scrolls sideways. Screenshots for a human: -rA prints where."""
    browser = require_browser()
    themes = {}
    for theme, options in (("light", ()), ("dark", ("--force-dark-mode",))):
        screenshot = tmp_path / f"{page.removesuffix('.html')}-{theme}.png"
        # One launch draws the page and measures it: the probe's output goes below the page.
        measured = probe(
            browser, site / page, PICTURES_PROBE, tmp_path / "profile",
            f"--screenshot={screenshot}", *options, size=LAPTOP,
        )  # fmt: skip
        assert screenshot.read_bytes().startswith(b"\x89PNG")
        print(f"screenshot: {screenshot}")
        themes[theme] = measured
        figures = measured["figures"]
        assert [re.sub(r"-\d+$", "", f["id"]) for f in figures] == PICTURES[page]
        for figure in figures:
            assert figure["role"] == "img" and figure["labelled"] and figure["description"]
            assert figure["width"] > 300 and figure["height"] > 150, figure
            assert figure["boxes"] >= 4 and figure["texts"] >= 10, figure
            assert figure["arrows"] >= 3 or figure["id"].startswith("trust"), figure
            assert figure["inside"], f"{figure['id']} is wider than the column"
            assert contrast(figure["text"], measured["background"]) >= 4.5, (theme, figure)
            # Every colour of text on every box colour (the boxes' fills are opaque).
            # Every text on what it is drawn on: a box, a label, or the page (WCAG AA: 4.5).
            pairs = [
                (text, measured["background"] if under in ("page", "none") else under)
                for text, under in figure["on"]
            ]
            low = min(contrast(text, under) for text, under in pairs)
            print(theme, figure["id"], "lowest contrast of text on what is under it:", f"{low:.2f}")
            assert low >= 4.5, (theme, figure["id"], pairs)
        if page not in SHOWN_AS_RENDERED:
            assert not [c["text"] for c in measured["code"] if c["scrolls"]], measured["code"]
        assert not measured["overflow"], f"{page} scrolls sideways"
    if PICTURES[page]:  # the dark theme is really another colour, not the light one again
        assert themes["light"]["background"] != themes["dark"]["background"]


def test_each_release_flow_picture_draws_the_jobs_of_its_workflow(site: Path) -> None:
    """Each release-flow picture, as built, names every job of the workflow rendered for it
    (and the site's example workflow is the one "What you get" shows)."""
    template_docs = importlib.import_module("template_docs")
    copier_yml = yaml.safe_load((ROOT / "copier.yml").read_text())
    seen = set()
    for page in ("releasing.html", "what-you-get.html"):
        text = (site / page).read_text(encoding="utf-8")
        for name, desc in re.findall(
            r'<desc id="release-flow-(\w+)-\d+-desc">(.*?)</desc>', text, flags=re.S
        ):
            path = template_docs.flow_workflow(DOCS / "_generated", name, copier_yml)
            jobs = yaml.safe_load(path.read_text())["jobs"]
            assert jobs and all(f"({job})" in html.unescape(desc) for job in jobs), (page, name)
            seen.add(name)
    assert seen == set(template_docs.FLOWS)
