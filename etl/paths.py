"""Every path the project reads or writes, in one place."""
import os
from pathlib import Path

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


def relative(path: Path) -> str:
    """Path as shown to people: relative to the repository where possible."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
