"""Fault injection for the publishing tests: inert unless ETL_KILL_AT or ETL_FAIL_AT names a point."""
from __future__ import annotations

import errno
import os
import signal

KILL = "ETL_KILL_AT"
FAIL = "ETL_FAIL_AT"


def fault_point(name: str) -> None:
    """At a named moment of the build: die by SIGKILL (ETL_KILL_AT) or fail to write (ETL_FAIL_AT, as ENOSPC)."""
    if os.environ.get(KILL) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(FAIL) == name:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
