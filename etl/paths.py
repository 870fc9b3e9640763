"""Every path the project reads or writes, in one place."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = ROOT / "sources"
ARTICLES_DIR = SOURCES_DIR / "articles"
SOURCES_FILE = SOURCES_DIR / "sources.yml"
REFERENCE_DIR = ROOT / "reference"
ENTITIES_FILE = REFERENCE_DIR / "entities.yml"
PREDICATES_FILE = REFERENCE_DIR / "predicates.yml"
CLAIMS_DIR = ROOT / "claims"
SCHEMAS_DIR = ROOT / "etl" / "schemas"
EXPECTATIONS_DIR = ROOT / "expectations"
DATA_DIR = ROOT / "data"
BUILD_DIR = ROOT / "build"
DATABASE = ROOT / "china_ai_investments.db"
DATAPACKAGE = ROOT / "datapackage.json"
METADATA = ROOT / "metadata.yml"


def relative(path: Path) -> str:
    """Path as shown to people: relative to the repository where possible."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
