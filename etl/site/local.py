"""A server on loopback for tests and benchmarks: started on a free port, waited for, stopped by its own PID."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from etl import paths

READY_PATH = "/-/versions.json"
START_SECONDS = 120  # a cold start under a loaded machine (imports, inspect file, metadata) takes tens of seconds
STOP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def etl_serve(database: Path) -> list[str]:
    """`etl serve` (which execs Datasette, so the PID is the server's) without its --port."""
    return [sys.executable, "-m", "etl", "serve", "--database", str(database)]


class LocalServer:
    """A server command given `--port <free port>`, its output in `log`, until stop() sends Ctrl-C to its PID."""

    def __init__(self, command: list[str], log: Path, cwd: Path = paths.ROOT, env: dict | None = None,
                 name: str = "the server"):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process = subprocess.Popen([*command, "--port", str(self.port)], cwd=cwd, env=env,
                                        stdout=log.open("w"), stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(self.base + READY_PATH, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer on {self.base} — its output:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

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
        """Ctrl-C by PID, as a person stops `make serve`; killed by PID if it has not ended in a minute."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)
            try:
                return self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
        return self.process.wait()
