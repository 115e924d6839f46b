"""The sandbox HTTP server: loopback only, request counting, fault injection.

Trackers plug in as `App`s: a pure-ish `handle(Request) -> Response` over in-memory state.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str  # scheme://host:port as the client addressed us
    query_all: dict[str, list[str]] = field(default_factory=dict)  # repeated parameters

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return cls(
            status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        )


class App(Protocol):
    def handles(self, path: str) -> bool: ...

    def handle(self, request: Request) -> Response: ...

    def fault_response(self, kind: str, request: Request) -> Response: ...


@dataclass
class Faults:
    """Fault injection, seeded so a failing test reproduces.

    Rates are probabilities per request; `script` is a queue of fault kinds served to the next
    requests in order ("500", "502", "429", "secondary", "truncate", "reset", "slow").
    `drop_writes` is how many of the next write requests (GraphQL mutations, Jira PUT/POST
    writes) are processed and then answered by dropping the connection: a lost answer to a
    write that landed.
    """

    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    secondary_rate: float = 0.0
    truncate_rate: float = 0.0
    reset_rate: float = 0.0
    latency: float = 0.0
    retry_after: int = 1
    seed: int = 0
    script: list[str] = field(default_factory=list)
    drop_writes: int = 0
    drop_path: str = ""  # only writes whose path contains this ("/graphql": GitHub's)
    drop_body: str = ""  # only writes whose body contains this ("removeLabels", "ADD")
    drop_as: str = "reset"  # how the answer is lost: "reset" (connection dropped) or "502"

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def pick(self) -> str | None:
        if self.script:
            return self.script.pop(0)
        roll = self._rng.random
        for kind, rate in (
            ("500", self.error_rate),
            ("429", self.rate_limit_rate),
            ("secondary", self.secondary_rate),
            ("truncate", self.truncate_rate),
            ("reset", self.reset_rate),
        ):
            if rate and roll() < rate:
                return kind
        return None


class Sandbox:
    """Runs the apps on 127.0.0.1 in a background thread. Use as a context manager."""

    def __init__(self, apps: list[App], port: int = 0, faults: Faults | None = None) -> None:
        self.apps = apps
        self.faults = faults or Faults()
        self.lock = threading.RLock()
        self.counts: Counter[str] = Counter()
        self.log: list[tuple[str, str, int]] = []
        self.hooks: list[Callable[[Request, Response], None]] = []
        self.dropped: list[tuple[str, str, int]] = []  # writes processed, answer lost
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _make_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> int:
        return sum(self.counts.values())

    def reset_counts(self) -> None:
        with self.lock:
            self.counts.clear()
            self.log.clear()

    def start(self) -> Sandbox:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def dispatch(self, request: Request) -> Response | None:
        """Answer one request; None means: drop the connection (an injected reset)."""
        if request.path.startswith("/_sandbox/"):
            return self._admin(request)
        app = next((a for a in self.apps if a.handles(request.path)), None)
        with self.lock:
            self.counts[f"{request.method} {request.path}"] += 1
        if app is None:
            return Response.json(404, {"message": "Not Found"})
        with self.lock:
            fault = self.faults.pick()
        if self.faults.latency:
            time.sleep(self.faults.latency)
        if fault == "reset":
            return None
        if fault == "slow":
            time.sleep(2.0)
        if (
            fault is None
            and self.faults.drop_writes
            and self.faults.drop_path in request.path
            and self.faults.drop_body.encode() in request.body
            and _is_write(request)
        ):
            with self.lock:
                self.faults.drop_writes -= 1
                processed = app.handle(request)  # processed; the answer is lost on the way back
                self.log.append((request.method, request.path, 0))
                self.dropped.append((request.method, request.path, processed.status))
                for hook in list(self.hooks):
                    hook(request, processed)
            if self.faults.drop_as == "502":
                return app.fault_response("502", request)
            return None
        if fault not in (None, "truncate", "slow"):
            response = app.fault_response(fault, request)
        else:
            with self.lock:
                response = app.handle(request)
            if fault == "truncate" and response.status == 200:
                response = Response(200, response.body[: len(response.body) // 2], response.headers)
        with self.lock:
            self.log.append((request.method, request.path, response.status))
            for hook in list(self.hooks):
                hook(request, response)
        return response

    def _admin(self, request: Request) -> Response:
        if request.path == "/_sandbox/stats":
            with self.lock:
                return Response.json(
                    200, {"requests": self.requests, "by_route": dict(self.counts)}
                )
        if request.path == "/_sandbox/reset" and request.method == "POST":
            self.reset_counts()
            return Response.json(200, {"ok": True})
        if request.path == "/_sandbox/faults" and request.method == "POST":
            with self.lock:
                self.faults = Faults(**request.json())
            return Response.json(200, {"ok": True})
        for app in self.apps:
            admin = getattr(app, "admin", None)
            if admin is not None:
                with self.lock:
                    answer: Response | None = admin(request)
                if answer is not None:
                    return answer
        return Response.json(404, {"message": "no such sandbox control"})


def _is_write(request: Request) -> bool:
    if request.path.endswith("/graphql"):
        return b"mutation" in request.body
    if request.method in ("PUT", "DELETE"):
        return True
    return request.method == "POST" and "/search" not in request.path


def _make_handler(sandbox: Sandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one small response must not wait for a delayed ACK
        server_version = "triagewise-sandbox"

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: the request log lives in the sandbox object

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("Host") or sandbox.url.removeprefix("http://")
            parsed = parse_qs(parts.query, keep_blank_values=True)
            request = Request(
                method=self.command,
                path=parts.path,
                query={k: v[-1] for k, v in parsed.items()},
                query_all=parsed,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                base_url=f"http://{host}",
            )
            response = sandbox.dispatch(request)
            if response is None:
                self.close_connection = True
                self.connection.close()
                return
            try:
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (its timeout); not our error

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    return Handler
