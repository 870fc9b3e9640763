"""Schemathesis against /-/openapi.json on a real loopback server: every check, bounded examples, fixed seed."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

pytest_plugins = ["tests.site_support", "tests.live_site"]

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = 8  # per operation and phase: about 2,000 requests in all
SEED = 13


def test_the_api_holds_under_schemathesis_with_every_check(live_site, tmp_path):
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "--no-color", "run",
               f"{live_site.base}/-/openapi.json", "--checks", "all", "--max-examples", str(EXAMPLES),
               "--seed", str(SEED), "--no-shrink", "--workers", "1", "--request-timeout", "30"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900,
                            env={**os.environ, "SCHEMATHESIS_HOOKS": ""})
    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    assert "No issues found in" in result.stdout, summary
