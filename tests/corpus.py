"""What the inputs of the real corpus say, so that its tests derive their expectations and hold when it grows."""
from __future__ import annotations

import json

import yaml

from etl import paths
from etl.inputs.files import claim_files


def sources() -> list[dict]:
    return yaml.safe_load(paths.SOURCES_FILE.read_text(encoding="utf-8"))


def claims() -> list[dict]:
    """Every curated claim, with the source_id of its file."""
    found = []
    for path in claim_files():
        if path.suffix == ".jsonl":
            items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            source_id = path.stem
        else:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            items, source_id = document["claims"], document["source_id"]
        found += [{**item, "source_id": source_id} for item in items]
    return found


def round_keys() -> set[str]:
    return {claim["round"] for claim in claims() if claim.get("round")}
