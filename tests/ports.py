"""Ports for the servers tests start, clear of the kernel's ephemeral range and of other test workers' ports.

A port the kernel hands out for ``bind(("127.0.0.1", 0))`` and that is then released can be taken
again before the server binds it, by another test worker or by an outgoing connection (the
connection-flood tests open thousands): these come from below the ephemeral range (32768-60999 by
default), each pytest-xdist worker from its own block.
"""

from __future__ import annotations

import itertools
import os
import socket

_BLOCK = 400
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_CANDIDATES = itertools.cycle(range(20000 + _BLOCK * _WORKER, 20000 + _BLOCK * (_WORKER + 1)))


def free_port() -> int:
    """A port no socket is bound to right now, from this worker's block."""
    for _ in range(_BLOCK):
        port = next(_CANDIDATES)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in this worker's block of {_BLOCK}")
