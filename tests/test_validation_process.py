"""The rules run in a child process: the build's process never imports Great Expectations, and the results are
those of a runner in this process."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from etl.validation.runner import Runner
from tests.test_validation_rules import SUITES

VALIDATE = """
import json, sys
from pathlib import Path
from etl.validation import validate
run = validate(Path(sys.argv[1]))
print(json.dumps({"gx_here": "great_expectations" in sys.modules,
                  "results": [[result.rule, result.success, result.unexpected_count] for result in run.results]}))
"""


def test_the_rules_run_apart_and_give_the_results_of_a_runner_here(built_database):
    environment = {**os.environ, "GX_ANALYTICS_ENABLED": "False"}
    found = subprocess.run([sys.executable, "-c", VALIDATE, str(built_database)], env=environment,
                           capture_output=True, text=True, timeout=300, check=True)
    apart = json.loads(found.stdout)
    here = Runner(SUITES).run(built_database)
    assert apart["gx_here"] is False
    assert apart["results"] == [[result.rule, result.success, result.unexpected_count] for result in here]
