"""What the docs' pictures share: SVG text that fits a box, and the figure around a drawing.

The pictures are inline SVG, written as text by plain Python at build time (no layout engine,
no fonts to measure): widths are estimated from a character count, on the safe side. Their
colours are the theme's CSS variables (pydata-sphinx-theme defines them for light and dark),
with `currentColor` as the fallback outside the theme, so one drawing reads in both themes.
Each figure is a `role="img"` SVG labelled by its <title> and <desc>, followed by the same
description as text on the page, for readers who cannot see it.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable

#: Font sizes in pixels, and the width of an average character as a share of the size: an
#: estimate a little wider than the theme's fonts draw, so text stays inside its box.
TEXT_SIZE = 13
SMALL_SIZE = 11.5
CHAR_WIDTH = {"sans": 0.58, "bold": 0.63, "mono": 0.62}
#: The widest a picture is drawn, in pixels: the page's column at a laptop width. Wider
#: drawings are scaled down by the browser (`max-width: 100%`), never scrolled.
MAX_WIDTH = 680

STYLE = """
.{cls} {{ max-width: 100%; height: auto; font-family: var(--pst-font-family-base, sans-serif);
  color: var(--pst-color-text-base, currentColor); }}
.{cls} text {{ fill: currentColor; font-size: {text}px; }}
.{cls} .small {{ font-size: {small}px; fill: var(--pst-color-text-muted, currentColor); }}
.{cls} .small.plain {{ fill: currentColor; }}
.{cls} .mono {{ font-family: var(--pst-font-family-monospace, monospace); }}
.{cls} .bold {{ font-weight: 600; }}
.{cls} .box {{ fill: var(--pst-color-surface, none); stroke: var(--pst-color-border, currentColor);
  stroke-width: 1.2; }}
.{cls} .start {{ fill: var(--pst-color-primary-bg, none); stroke: var(--pst-color-primary,
  currentColor); stroke-width: 1.5; }}
.{cls} .gated {{ stroke: var(--pst-color-warning, currentColor); stroke-width: 2; }}
.{cls} .gate {{ fill: var(--pst-color-warning-bg, none); stroke: var(--pst-color-warning,
  currentColor); stroke-width: 2; }}
.{cls} .service {{ fill: var(--pst-color-success-bg, none); stroke: var(--pst-color-success,
  currentColor); stroke-width: 1.5; }}
.{cls} .missing {{ fill: var(--pst-color-danger-bg, none); stroke: var(--pst-color-danger,
  currentColor); stroke-width: 1.5; stroke-dasharray: 5 3; }}
.{cls} .line {{ fill: none; stroke: var(--pst-color-text-muted, currentColor);
  stroke-width: 1.4; }}
.{cls} .line.hands {{ stroke-dasharray: 6 4; }}
.{cls} .line.publishes {{ stroke: var(--pst-color-success, currentColor); stroke-width: 2; }}
.{cls} .line.starts {{ stroke: var(--pst-color-primary, currentColor); }}
.{cls} .head {{ fill: var(--pst-color-text-muted, currentColor); }}
.{cls} .label {{ fill: var(--pst-color-background, none); stroke: none; }}
"""


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def text_width(text: str, size: float = TEXT_SIZE, font: str = "sans") -> float:
    """The estimated width of `text` in pixels."""
    return len(text) * size * CHAR_WIDTH[font]


def wrap(text: str, width: float, size: float = TEXT_SIZE, font: str = "sans") -> list[str]:
    """`text` in lines no wider than `width` pixels (a longer word is cut)."""
    columns = max(4, int(width / (size * CHAR_WIDTH[font])))
    return textwrap.wrap(text, columns, break_on_hyphens=False) or [""]


def text_element(x: float, y: float, text: str, classes: str = "", anchor: str = "middle") -> str:
    """One line of text, its baseline at `y`."""
    cls = f' class="{classes}"' if classes else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{cls}>{escape(text)}</text>'


def svg_figure(
    ident: str,
    width: float,
    height: float,
    title: str,
    description: Iterable[str],
    body: Iterable[str],
    caption: str,
) -> str:
    """The figure: an accessible inline SVG, its caption, and the description as text."""
    words = list(description)
    cls = "hr-picture"
    style = STYLE.format(cls=cls, text=TEXT_SIZE, small=SMALL_SIZE)
    items = "".join(f"<li>{escape(item)}</li>" for item in words)
    return "\n".join(
        [
            f'<figure class="hr-figure" id="{ident}">',
            f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" role="img"'
            f' aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" width="{width:.0f}"'
            f' height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">',
            f'<title id="{ident}-title">{escape(title)}</title>',
            f'<desc id="{ident}-desc">{escape(" ".join(words))}</desc>',
            f"<style>{style}</style>",
            f'<defs><marker id="{ident}-arrow" viewBox="0 0 10 10" refX="9" refY="5"'
            ' markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            '<path class="head" d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>',
            *body,
            "</svg>",
            f"<figcaption>{escape(caption)}</figcaption>",
            '<details class="hr-picture-words"><summary>The picture in words</summary>'
            f"<ul>{items}</ul></details>",
            "</figure>",
        ]
    )
