"""Regression guard by ratio: building 10k synthetic claims costs at most 1.5× per claim what 1k claims cost."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

RATIO = 1.5
BUILD_STAGES = ("read", "normalise", "reconcile", "write")
# The build without validation and package, in a fresh process, with the one-off loads (the ECB rates) done
# first so that what is timed is the work that grows with the claims.
BUILD = """
import json, sys
from pathlib import Path
from etl import timings
from etl.normalise.fx import _converter
from etl.publish.pipeline import build
_converter()
timings.reset()
build(Path(sys.argv[1]))
print(json.dumps(timings.seconds()))
"""


def etl_env(root: Path) -> dict:
    return {**os.environ, "ETL_ROOT": str(root), "GX_ANALYTICS_ENABLED": "False"}


def synthesize(root: Path, claims: int) -> None:
    subprocess.run([sys.executable, "-m", "etl", "synth", "--claims", str(claims), "--out", str(root)],
                   env=etl_env(root.parent), check=True, capture_output=True)


def seconds_per_claim(root: Path) -> float:
    """The best of two builds, per claim."""
    runs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", BUILD, str(root / "guard.db")], env=etl_env(root),
                                check=True, capture_output=True, text=True)
        runs.append(sum(json.loads(result.stdout)[stage] for stage in BUILD_STAGES))
    claims = sum(1 for path in (root / "claims").glob("*.jsonl") for _ in path.open(encoding="utf-8"))
    return min(runs) / claims


def test_per_claim_build_time_at_10k_is_within_1_5_times_that_at_1k(tmp_path):
    small, large = tmp_path / "1k", tmp_path / "10k"
    synthesize(small, 1_000)
    synthesize(large, 10_000)
    ratio = seconds_per_claim(large) / seconds_per_claim(small)
    assert ratio <= RATIO, f"per-claim build time at 10k is {ratio:.2f}× that at 1k (limit {RATIO}×)"
