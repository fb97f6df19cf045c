"""A flood of idle and half-sent connections against the webhook/ops server: what it keeps, logs and still does.

    .venv/bin/python bench/bench_connections.py [--connections 1100] [--fd-limit 1024]

Two servers in turn in this process, with the file-descriptor limit a container
often has: uvicorn as configured by default (the baseline) and with the bot's
limits (``bot.server.server_config``, ``SERVER_MAX_CONNECTIONS`` 100,
``SERVER_REQUEST_TIMEOUT`` 10 s). Another process opens the connections (half
send nothing, half a request line and one header) and holds them. One second
in, and again after the request timeout, it counts the connections the server
holds and the descriptors the process has, asks ``/healthz`` on a fresh
connection, and opens an outgoing connection (what every Bot API call needs);
at the end, the bytes of log written.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import socket
import subprocess
import sys
import threading
import time

import httpx
import uvicorn
from _common import save
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.server import listening_socket, server_config
from bot.settings import BotSettings

CLIENT = """
import resource, socket, sys, time
port, count, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
held = []
for i in range(count):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        if i % 2:
            s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n")
        held.append(s)
    except OSError:
        pass
print(len(held), flush=True)
time.sleep(hold)
"""


class Counted(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.bytes = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.bytes += len(self.format(record)) + 1


def probe(http: httpx.Client, port: int, outside: socket.socket) -> dict:
    """What the process can still do: answer /healthz on a fresh connection, open an outgoing one."""
    started = time.perf_counter()
    try:
        answered = http.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    except (httpx.HTTPError, OSError):
        answered = False
    healthz_ms = round((time.perf_counter() - started) * 1000, 1)
    try:
        socket.create_connection(outside.getsockname(), timeout=2).close()
        outgoing = True
    except OSError:
        outgoing = False
    try:
        fds: int | None = len(os.listdir("/proc/self/fd"))
    except OSError:  # none left to list them with
        fds = None
    return {"healthz_ok": answered, "healthz_ms": healthz_ms, "outgoing_ok": outgoing, "open_fds": fds}


def run(name: str, config: uvicorn.Config, connections: int, wait: float, log: Counted) -> dict:
    sock = listening_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    outside = socket.create_server(("127.0.0.1", 0))  # stands in for api.telegram.org
    http = httpx.Client(timeout=2, limits=httpx.Limits(max_keepalive_connections=0))
    probe(http, port, outside)  # (imports done before the descriptors run out)
    log.bytes = 0
    client = subprocess.Popen([sys.executable, "-c", CLIENT, str(port), str(connections), str(wait + 3)],
                              stdout=subprocess.PIPE, text=True)
    opened = int(client.stdout.readline()) if client.stdout else 0
    time.sleep(1)
    early = {"server_holds": len(server.server_state.connections), **probe(http, port, outside)}
    time.sleep(wait)
    late = {"server_holds": len(server.server_state.connections), **probe(http, port, outside)}
    http.close()
    client.wait()
    server.should_exit = True
    thread.join(10)
    log.bytes, logged = 0, log.bytes
    outside.close()
    result = {"opened": opened, "after_1s": early, f"after_{wait:g}s": late, "log_bytes": logged}
    print(f"{name:>9}: {opened} opened; after 1 s the server holds {early['server_holds']}, "
          f"/healthz {'ok' if early['healthz_ok'] else 'FAILED'}, outgoing {'ok' if early['outgoing_ok'] else 'FAILED'}"
          f", {early['open_fds']} fds; after {wait:g} s it holds {late['server_holds']}, /healthz "
          f"{'ok' if late['healthz_ok'] else 'FAILED'} in {late['healthz_ms']} ms, outgoing "
          f"{'ok' if late['outgoing_ok'] else 'FAILED'}; {logged} bytes of log")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=1100)
    parser.add_argument("--fd-limit", type=int, default=1024)
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (args.fd_limit, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    log = Counted()
    log.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[log], force=True)
    settings = BotSettings()
    app = Starlette(routes=[Route("/healthz", lambda request: PlainTextResponse("ok"))])
    wait = settings.server_request_timeout + 2
    print(f"{args.connections} connections, descriptor limit {args.fd_limit}, "
          f"limits: {settings.server_max_connections} connections, {settings.server_request_timeout:g} s per request")
    figures = {
        "connections": args.connections, "fd_limit": args.fd_limit,
        "max_connections": settings.server_max_connections, "request_timeout_s": settings.server_request_timeout,
        "command": "python bench/bench_connections.py " + " ".join(sys.argv[1:]),
        "baseline": run("baseline", uvicorn.Config(app, log_config=None, log_level="warning", lifespan="off",
                                                        timeout_graceful_shutdown=2),
                        args.connections, wait, log),
        "limited": run("limited", server_config(app, settings.server_max_connections,
                                                settings.server_request_timeout, timeout_graceful_shutdown=2),
                       args.connections, wait, log),
    }
    save("connections", figures)


if __name__ == "__main__":
    main()
