"""A real `etl serve` on a free loopback port for tests that need a socket: raw paths, fuzzing, load, replicas."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from etl import paths


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveSite:
    """`etl serve` (which execs Datasette, so the PID is the server's) until stop() sends it Ctrl-C by that PID."""

    def __init__(self, database: Path, log: Path, command: list[str] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        argv = command or [sys.executable, "-m", "etl", "serve", "--database", str(database)]
        self.process = subprocess.Popen([*argv, "--port", str(self.port)], cwd=paths.ROOT,
                                        stdout=log.open("w"), stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(self.base + "/-/versions.json", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer on {self.base}:\n{self.log.read_text()}")

    def raw(self, method: str, path: str) -> tuple[int, dict, bytes]:
        """A request with the path exactly as given (httpx would normalise '..' and '\\')."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as connection:
            connection.sendall(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                               .encode("latin-1"))
            data = b""
            while chunk := connection.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
        return int(lines[0].split()[1]), headers, body

    def memory_kb(self) -> int:
        """Resident memory of the server process, from /proc."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> int:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)
            try:
                return self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
        return self.process.wait()


@pytest.fixture(scope="session")
def live_site(published_project, tmp_path_factory):
    site = LiveSite(published_project / paths.DATABASE.name, tmp_path_factory.mktemp("live") / "serve.log")
    yield site
    site.stop()
