"""Which curated files there are, each read and checked against its JSON Schema."""
from __future__ import annotations

from pathlib import Path

from etl import paths
from etl.errors import InputError
from etl.inputs.load import Loaded, check_schema, read_json_lines, read_yaml


def read_checked(path: Path, schema: str, errors: list[InputError], items_at: tuple = ()) -> Loaded | None:
    """The document with the items that break its schema left out (each reported), or None."""
    loaded = read_yaml(path, errors) if path.suffix in (".yml", ".yaml") else read_json_lines(path, errors)
    if loaded is None:
        return None
    bad = check_schema(loaded, schema, errors, items_at)
    if bad is None:
        return None
    if bad:
        container = loaded.data
        for key in items_at:
            container = container[key]
        loaded.dropped = [item for index, item in enumerate(container) if index in bad]
        container[:] = [item for index, item in enumerate(container) if index not in bad]
    return loaded


def claim_files(errors: list[InputError] | None = None) -> list[Path]:
    """The claim files, each a file in claims/ (a missing or unreadable claims/ is reported in errors)."""
    try:
        # One folder: sorted by name, as pathlib sorts them, without its comparison of parts (79,016 files: 1 s).
        return sorted((p for p in paths.CLAIMS_DIR.iterdir()
                       if p.suffix in (".yml", ".yaml", ".jsonl") and not p.name.startswith(".")),
                      key=lambda path: path.name)
    except OSError as error:
        if errors is None:
            raise
        errors.append(InputError(paths.relative(paths.CLAIMS_DIR), 0, "folder", f"cannot list claims/: "
                                 f"{error.strerror}", "restore the claims/ folder (git checkout claims) or create it"))
        return []


def read_acknowledged(errors: list[InputError]) -> dict[str, str]:
    if not paths.ACKNOWLEDGED_CONFLICTS.exists():
        return {}
    loaded = read_checked(paths.ACKNOWLEDGED_CONFLICTS, "acknowledged_conflicts", errors)
    return {item["conflict_id"]: item["reason"] for item in loaded.data} if loaded else {}


def read_evidence(errors: list[InputError]) -> list:
    """The external evidence items (an empty list where the file does not exist)."""
    if not paths.EXTERNAL_EVIDENCE.exists():
        return []
    loaded = read_checked(paths.EXTERNAL_EVIDENCE, "external_evidence", errors)
    return list(loaded.data) if loaded else []
