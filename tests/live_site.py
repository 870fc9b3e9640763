"""A real `etl serve` on a free loopback port for tests that need a socket: raw paths, fuzzing, load, replicas."""
from __future__ import annotations

from pathlib import Path

import pytest

from etl import paths
from etl.site.local import LocalServer, etl_serve


class LiveSite(LocalServer):
    """`etl serve` of database on a free loopback port, once it answers."""

    def __init__(self, database: Path, log: Path):
        super().__init__(etl_serve(database), log, name="etl serve")


@pytest.fixture(scope="session")
def live_site(published_project, tmp_path_factory):
    site = LiveSite(published_project / paths.DATABASE.name, tmp_path_factory.mktemp("live") / "serve.log")
    yield site
    site.stop()
