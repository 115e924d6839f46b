"""The HTTP side of `triagewise serve` (Starlette): verify first, store before answering.

    POST /webhooks/<tracker>   size limit while streaming (413) → signature (401) → read →
                               the source it concerns (202 ignored when none) → stored once
                               per delivery id (202) → the worker is woken
    GET  /healthz              {"status", "queue", "processed", "last"}

Nothing is stored or fetched for a delivery whose signature does not verify; the body and the
secrets never reach the log.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from triagewise.config.models import Config
from triagewise.connectors import registry
from triagewise.connectors.base import WebhookEvent, WebhookFormat
from triagewise.connectors.config import SourceConfig
from triagewise.errors import ConfigError
from triagewise.serve.worker import Worker
from triagewise.store import Store
from triagewise.store.backend import Location
from triagewise.store.events import EventRow
from triagewise.sync.run import Clock, system_clock

MAX_BODY = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB; anything larger is not a webhook
Log = Callable[[str], None]


@dataclass(frozen=True)
class Receiver:
    """One tracker type's webhooks: how they are read, their secret, the sources they feed."""

    kind: str
    format: WebhookFormat
    secret: str
    sources: tuple[SourceConfig, ...]

    def source_for(self, event: WebhookEvent) -> SourceConfig | None:
        return next((s for s in self.sources if self.format.matches(s, event)), None)


def receivers(config: Config, env: Mapping[str, str]) -> dict[str, Receiver]:
    """A receiver for each tracker type the config's sources use; a secret that is not set
    stops `serve` before it listens (one sentence, exit 2)."""
    out: dict[str, Receiver] = {}
    for source in config.sources:
        kind = source.type
        if kind in out:
            known = out[kind]
            out[kind] = Receiver(kind, known.format, known.secret, (*known.sources, source))
            continue
        fmt = registry.connector_for(source).webhook
        if fmt is None:
            continue
        name = config.serve.secret_env(kind)
        secret = env.get(name, "").strip()
        if not secret:
            raise ConfigError(
                f"The environment variable {name} (named by serve.{kind}_secret_env) holds no "
                f"webhook secret; set it to the secret of the {kind} webhook before 'serve'."
            )
        out[kind] = Receiver(kind, fmt, secret, (source,))
    if not out:
        raise ConfigError("The config has no [[sources]] whose tracker sends webhooks.")
    return out


class TooLarge(Exception):
    pass


async def _body(request: Request) -> bytes:
    """The raw body, refused as soon as it passes MAX_BODY (never read whole first)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise TooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise TooLarge()
    return bytes(body)


def build_app(
    db: Location,
    config: Config,
    env: Mapping[str, str],
    worker: Worker,
    log: Log,
    clock: Clock = system_clock,
) -> Starlette:
    hooks = receivers(config, env)
    inbox: list[Store] = []  # opened on first use, in the server's own thread

    def store() -> Store:
        if not inbox:
            inbox.append(Store.open(db))
            inbox[0].as_inbox()
        return inbox[0]

    def answer(status: int, what: str, **extra: object) -> JSONResponse:
        return JSONResponse({"status": what, **extra}, status_code=status)

    async def webhook(request: Request) -> JSONResponse:
        kind = request.path_params["kind"]
        hook = hooks.get(kind)
        if hook is None:
            return answer(404, "no such webhook endpoint")
        try:
            body = await _body(request)
        except TooLarge:
            log(f"serve: {kind} delivery refused: the body is over {MAX_BODY // 2**20} MB")
            return answer(413, "too large")
        headers = {k.lower(): v for k, v in request.headers.items()}
        if not hook.format.signature_ok(headers, body, hook.secret):
            log(f"serve: {kind} delivery refused: missing or bad signature")
            return answer(401, "bad signature")
        try:
            event = hook.format.read(headers, body)
        except ValueError as exc:
            log(f"serve: {kind} delivery refused: not a {kind} webhook ({exc})")
            return answer(400, "not a webhook")
        if event.ref is None:
            log(f"serve: {kind} {event.delivery} {event.action}: about no issue; ignored")
            return answer(202, "ignored")
        source = hook.source_for(event)
        if source is None:
            what = f"{kind} {event.delivery} {event.ref} {event.action}"
            log(f"serve: {what}: not a repository or project in the config; ignored")
            return answer(202, "ignored")
        row = EventRow(
            kind,
            event.delivery,
            source.name,
            event.ref,
            event.action,
            event.sender,
            event.labels,
            event.label_only,
            event.gone,
            clock(),
            event.updated,
        )
        if not store().record_event(row):
            log(f"serve: {kind} {event.delivery} {event.ref} {event.action}: a replay; ignored")
            return answer(202, "duplicate")
        worker.wake()
        return answer(202, "queued")

    async def healthz(request: Request) -> JSONResponse:
        s = store()
        return JSONResponse(
            {
                "status": "ok",
                "queue": s.count_pending_events(),
                "processed": worker.processed,
                "failures": worker.failures,
                "last": s.last_event(),
            }
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        for s in inbox:
            s.close()

    routes = [
        Route("/webhooks/{kind}", webhook, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
