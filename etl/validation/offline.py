"""Self-contained Data Docs: every CDN file GX links is replaced by a copy from vendor/data-docs/node_modules."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from etl import paths
from etl.validation.files import ExpectationFileError

NODE_MODULES = paths.DATA_DOCS_VENDOR / "node_modules"
INSTALLED = "vendor/data-docs/node_modules"
COPIES = "vendor"
SHOWN_PROBLEMS = 10

ASSETS = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/dist/umd/popper.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/dist/js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "@fortawesome/fontawesome-free/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
}
GX_IMAGES = {
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png": "static/images/logo-long.png",
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/full_logo_dark.png":
        "static/images/logo-long.png",
}

REMOTE = r"(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//"
_TAG = re.compile(r"<(?:script|link|img)\b[^>]*>")
_TAG_URL = re.compile(r'\b(src|href)="(' + REMOTE + r'[^"]*)"')
_GX_STATIC = re.compile(r'\b(src|href)="(?:\.\./)*(static/[^"]*)"')
_COPY = re.compile(r'\b(?:src|href)="(?:\.\./)*' + COPIES + r'/([^"]*)"')
_SRI = re.compile(r'\s+(?:integrity|crossorigin)="[^"]*"')
_REMOTE_LINK = re.compile(r'<a\b[^>]*\bhref="' + REMOTE + r'[^"]*"[^>]*>(.*?)</a>', re.S)
_NEWSLETTER = re.compile(r"\s*<footer>(?:(?!</footer>).)*newsletter.*?</footer>", re.S)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""")
_ATTRIBUTE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class DataDocsError(ExpectationFileError):
    """The Data Docs cannot be made to work offline: what is wrong — how to fix it."""


def check_vendored() -> None:
    """Raise unless every vendored file the Data Docs need is installed."""
    installed = INSTALLED
    if not NODE_MODULES.is_dir():
        raise DataDocsError(f"{installed} is missing: the Data Docs need its CSS, JavaScript and fonts to work "
                            "offline — run: make vendor")
    missing = [name for name in sorted(set(ASSETS.values())) if not (NODE_MODULES / name).is_file()]
    if missing:
        raise DataDocsError(f"{installed} lacks {', '.join(missing)} — run: make vendor")


def make_offline(docs: Path) -> None:
    """Point every page of docs at local copies, copy the vendored files in, and check nothing remote is left."""
    check_vendored()
    used: set[str] = set()
    for page in sorted(docs.rglob("*.html")):
        text = offline_html(page.read_text(encoding="utf-8"), _prefix(docs, page))
        page.write_text(text, encoding="utf-8")
        used.update(_COPY.findall(text))
    for sheet in sorted((docs / "static").rglob("*.css")):
        sheet.write_text(offline_css(sheet.read_text(encoding="utf-8"), _prefix(docs, sheet)), encoding="utf-8")
    copy_vendored(used, docs / COPIES)
    found = problems(docs)
    if found:
        raise DataDocsError("\n".join(_shown(found)) + "\nThe Data Docs would not work offline — map each remote "
                            "URL to a file of a package in vendor/data-docs/package.json in ASSETS of "
                            "etl/validation/offline.py")


def _shown(found: list[str]) -> list[str]:
    more = len(found) - SHOWN_PROBLEMS
    return found[:SHOWN_PROBLEMS] + ([f"… and {more} more"] if more > 0 else [])


def offline_html(text: str, prefix: str) -> str:
    """A page with local asset URLs (relative through prefix), no newsletter footer and no remote links."""
    text = _NEWSLETTER.sub("", text)
    text = _REMOTE_LINK.sub(lambda match: match.group(1), text)
    text = _TAG.sub(lambda match: _local_tag(match.group(0), prefix), text)
    return offline_css(text, prefix)


def offline_css(text: str, prefix: str) -> str:
    def local(match: re.Match) -> str:
        target = GX_IMAGES.get(match.group(2).split("?")[0])
        return f"url('{prefix}{target}')" if target else match.group(0)

    return _CSS_URL.sub(local, text)


def _local_tag(tag: str, prefix: str) -> str:
    """A script, link or img tag loading its local copy; GX's static/ paths made relative to the page's depth."""
    def local(match: re.Match) -> str:
        url = match.group(2).split("?")[0]
        if url in ASSETS:
            return f'{match.group(1)}="{prefix}{COPIES}/{ASSETS[url]}"'
        if url in GX_IMAGES:
            return f'{match.group(1)}="{prefix}{GX_IMAGES[url]}"'
        return match.group(0)

    tag = _GX_STATIC.sub(lambda match: f'{match.group(1)}="{prefix}{match.group(2)}"', tag)
    tag = _TAG_URL.sub(local, tag)
    return _SRI.sub("", tag) if _COPY.search(tag) else tag


def _prefix(docs: Path, file: Path) -> str:
    depth = len(file.relative_to(docs).parts) - 1
    return "../" * depth


def copy_vendored(names: set[str], target: Path) -> None:
    """Copy each vendored file, with the files its stylesheet refers to (fonts), keeping node_modules' layout."""
    for name in sorted(names | {dependency for name in names for dependency in css_dependencies(name)}):
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE_MODULES / name, destination)


def css_dependencies(name: str) -> set[str]:
    """The files a vendored stylesheet loads, as paths under node_modules."""
    if not name.endswith(".css"):
        return set()
    text = (NODE_MODULES / name).read_text(encoding="utf-8")
    return {os.path.normpath(os.path.join(os.path.dirname(name), _file_part(url)))
            for _, url in _CSS_URL.findall(text) if _file_part(url)}


def _file_part(url: str) -> str:
    """The file a local URL names, without query or fragment; '' for anchors, data: URLs and the like."""
    if _SCHEME.match(url) or url.startswith("//"):
        return ""
    return re.split(r"[?#]", url, maxsplit=1)[0]


def problems(docs: Path) -> list[str]:
    """Every remote URL and every missing local file that a page or stylesheet of docs refers to."""
    found = []
    for file in sorted([*docs.rglob("*.html"), *docs.rglob("*.css")]):
        text = file.read_text(encoding="utf-8")
        urls = [url for _, url in _CSS_URL.findall(text)]
        if file.suffix == ".html":
            urls += _ATTRIBUTE.findall(text)
        found += [f"{paths.relative(file)}: {problem}" for problem in _url_problems(file, urls)]
    return found


def _url_problems(file: Path, urls: list[str]) -> list[str]:
    found = []
    for url in urls:
        if re.match(REMOTE, url):
            found.append(f"loads {url} from the network")
        elif _file_part(url) and not _exists(file.parent / _file_part(url)):
            found.append(f"refers to {_file_part(url)}, which does not exist")
    return found


def _exists(target: Path) -> bool:
    return target.is_file() or (target / "index.html").is_file()
