"""Fixtures of the site tests: a project built with every step, served in-process as `etl serve` serves it."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest
from datasette.cli import serve

from etl import paths
from etl.site import metadata as site_metadata
from etl.site import serve as site_serve


class Site:
    """Datasette made by Datasette's own command line from `site_serve.serve_args`, called through datasette.client."""

    def __init__(self, database: Path):
        site_metadata.write_serve_files(database)
        context = serve.make_context("serve", site_serve.serve_args(database)[1:])
        self.datasette = serve.callback(**context.params, return_instance=True)
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.datasette.invoke_startup())

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.loop.run_until_complete(self.datasette.client.get(path, **kwargs))

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.loop.run_until_complete(self.datasette.client.post(path, **kwargs))

    def json(self, path: str):
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.json()

    def close(self) -> None:
        self.loop.close()


@pytest.fixture(scope="session")
def database(published_project) -> Path:
    return published_project / paths.DATABASE.name


@pytest.fixture(scope="session")
def served(database):
    serving = Site(database)
    yield serving
    serving.close()


@pytest.fixture
def site(published_project, tmp_path):
    """A copy of the published project served as `etl serve` serves it, and the copy's folder (to republish)."""
    root = tmp_path / "project"
    shutil.copytree(published_project, root, symlinks=True)
    serving = Site(root / paths.DATABASE.name)
    yield serving, root
    serving.close()


@pytest.fixture(scope="session")
def make_site():
    """Site, for a test that serves a database of its own."""
    return Site

