"""Check a built site: it works offline and its internal links and anchors resolve.

Reads every HTML file of the site folder (``mkdocs build -d SITE``) and fails, listing each problem, when
- a script, stylesheet, font or image is loaded from another host (the site must render without a network);
- a page with math (``class="arithmatex"``) does not load the site's own MathJax, or that file is missing;
- an internal link (``href``/``src`` without a scheme) points to a file the site does not have, or to an anchor
  (``#id``) that the target page does not define.
mkdocs's own link validation (mkdocs.yml, ``validation``) checks the Markdown's links; this checks the HTML
the theme and the plugins wrote around them (navigation, API cross-references, generated sections).

Usage: python docs/scripts/check_site.py SITE
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

MATHJAX = "javascripts/mathjax/tex-mml-chtml.js"
_LOADS = {("script", "src"), ("img", "src"), ("source", "src"), ("iframe", "src")}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.math = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if a.get("name") and tag == "a":
            self.ids.add(a["name"])
        if "arithmatex" in (a.get("class") or ""):
            self.math = True
        for attr in ("href", "src"):
            if a.get(attr):
                kind = a.get("rel", "") if tag == "link" else ""
                self.links.append((tag, attr if not kind else f"{attr}:{kind}", a[attr]))


def check(site: Path) -> list[str]:
    """Every problem found in the built site (empty: it passes)."""
    parsed = {}
    for path in sorted(site.rglob("*.html")):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        parsed[path.resolve()] = page
    problems = []
    if not (site / MATHJAX).is_file():
        problems.append(f"{MATHJAX} is missing from the site (the docs hook copies it from the docs extra)")
    for path, page in parsed.items():
        rel = path.relative_to(site.resolve())
        if page.math and not any(url.endswith(MATHJAX) for _, _, url in page.links):
            problems.append(f"{rel}: has math but does not load the site's own {MATHJAX}")
        for tag, attr, url in page.links:
            parts = urlsplit(url)
            loads = (tag, attr) in _LOADS or (tag == "link" and re.search(r"stylesheet|preconnect|preload|icon",
                                                                              attr))
            if parts.scheme or parts.netloc:
                if loads and parts.scheme in ("http", "https", ""):
                    problems.append(f"{rel}: loads {url} from another host")
                continue
            if url.startswith(("mailto:", "javascript:", "data:")):
                continue
            if not parts.path:
                target = path
            elif parts.path.startswith("/"):  # the 404 page links from the site's root
                target = (site / unquote(parts.path).lstrip("/")).resolve()
            else:
                target = (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{rel}: {tag} {attr}={url!r}: no such file in the site")
                continue
            anchor = unquote(parts.fragment)
            if anchor and target.suffix == ".html" and target in parsed and anchor not in parsed[target].ids:
                problems.append(f"{rel}: link {url!r}: {target.relative_to(site.resolve())} has no anchor #{anchor}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1])
        return 2
    site = Path(argv[0])
    problems = check(site)
    n = len(list(site.rglob("*.html")))
    for p in problems:
        print(p)
    print(f"{n} pages checked: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
