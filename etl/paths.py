"""Every path the project reads or writes, in one place."""
import os
from pathlib import Path

from etl import memos

PACKAGE_DIR = Path(__file__).resolve().parent
# ETL_ROOT points the build at another copy of the inputs (the tests use it for broken copies).
ROOT = Path(os.environ.get("ETL_ROOT") or PACKAGE_DIR.parent).resolve()
SOURCES_DIR = ROOT / "sources"
ARTICLES_DIR = SOURCES_DIR / "articles"
SOURCES_FILE = SOURCES_DIR / "sources.yml"
EXTERNAL_EVIDENCE = SOURCES_DIR / "external_evidence.yml"
REFERENCE_DIR = ROOT / "reference"
ENTITIES_FILE = REFERENCE_DIR / "entities.yml"
PREDICATES_FILE = REFERENCE_DIR / "predicates.yml"
CLAIMS_DIR = ROOT / "claims"
SCHEMAS_DIR = PACKAGE_DIR / "inputs" / "schemas"
EXPECTATIONS_DIR = ROOT / "expectations"
ACKNOWLEDGED_CONFLICTS = EXPECTATIONS_DIR / "acknowledged_conflicts.yml"
DATA_DIR = ROOT / "data"
BUILD_DIR = ROOT / "build"
# The Data Docs' vendored CSS, JavaScript and fonts belong to the code, not to a copy of the inputs.
DATA_DOCS_VENDOR = PACKAGE_DIR.parent / "vendor" / "data-docs"
DATABASE = ROOT / "china_ai_investments.db"
DATAPACKAGE = ROOT / "datapackage.json"
METADATA = ROOT / "metadata.yml"


@memos.memo(maxsize=4096)
def relative(path: Path) -> str:
    """Path as shown to people: relative to the repository where possible (links are not followed)."""
    plain, root = os.path.abspath(path), str(ROOT)
    if plain.startswith(root + os.sep):  # a string test: 3 µs, pathlib's way 16 µs a file
        return plain[len(root) + 1:]
    for absolute in (lambda: Path(os.path.abspath(path)), lambda: Path(path).resolve()):  # resolve only if needed
        try:
            return str(absolute().relative_to(ROOT))
        except ValueError:
            continue
    return str(path)


def sqlite_uri(path: Path, **query: str) -> str:
    """A SQLite URI of a file: percent-encoded, so that '#', '?' or '%' in a folder name stay part of the path."""
    uri = Path(os.path.abspath(path)).as_uri()
    return uri + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")
