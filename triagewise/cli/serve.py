"""`serve`: receive tracker webhooks and re-triage the changed issue within seconds."""

from __future__ import annotations

import os
import socket

import click

from triagewise.cli.app import Context, clock, main, policy
from triagewise.cli.render import log_line
from triagewise.errors import ConfigError
from triagewise.store import Store


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port."
)
@click.pass_obj
def serve_command(obj: Context, host: str, port: int) -> None:
    """Receive GitHub and Jira webhooks (POST /webhooks/github, /webhooks/jira), verify them,
    and re-triage the changed issue through the same plan and journal as sync; GET /healthz."""
    try:
        import uvicorn

        from triagewise.serve.app import build_app
        from triagewise.serve.worker import Worker
    except ImportError as exc:
        raise ConfigError(
            f"'triagewise serve' needs the serve extra ({exc.name} is missing): "
            "pip install 'triagewise[serve]'."
        ) from None
    cfg, path = obj.load()
    db = obj.db_path(path)
    if not cfg.sources:
        raise ConfigError("The config has no [[sources]]; add one (see 'triagewise init').")
    with Store.open(db):
        pass  # created and migrated before the first delivery arrives
    worker = Worker(db, cfg, os.environ, policy(cfg), log_line, clock)
    app = build_app(db, cfg, os.environ, worker, log_line, clock)  # checks the secrets
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # inherited by each connection: a small answer must not wait for a delayed ACK (40 ms)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError as exc:
        raise ConfigError(f"serve cannot listen on {host}:{port} ({exc.strerror}).") from None
    bound = sock.getsockname()[1]
    log_line(f"serve: listening on http://{host}:{bound} (store {db})")
    worker.start()
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    )
    try:
        server.run(sockets=[sock])
    finally:
        worker.stop()
        sock.close()
