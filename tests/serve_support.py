"""Helpers for the `serve` tests and bench/serve.py: signed webhook deliveries built from real
payloads (../shared/compat for GitHub, tests/data/jira_webhooks for Jira) pointed at sandbox
issues, and a `triagewise serve` subprocess.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from triagewise.sandbox import GitHubApp, JiraApp

GITHUB_SECRET = "test-github-webhook-secret"
JIRA_SECRET = "test-jira-webhook-secret"
SECRETS_ENV = {
    "TRIAGEWISE_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET,
    "TRIAGEWISE_JIRA_WEBHOOK_SECRET": JIRA_SECRET,
}
JIRA_DATA = Path(__file__).resolve().parent / "data" / "jira_webhooks"
REPO_ROOT = Path(__file__).resolve().parents[1]


def hub_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github_example(compat: Path, event: str, action: str | None) -> dict[str, Any]:
    """The first real example of `event` (with `action`) from ../shared/compat."""
    doc = json.loads((compat / "github" / "webhooks" / f"{event}.json").read_text())
    for example in doc["examples"]:
        if action is None or example.get("action") == action:
            return copy.deepcopy(example)
    raise LookupError(f"no {event}.{action} example in compat")


def github_delivery(
    body: dict[str, Any], event: str = "issues", secret: str = GITHUB_SECRET
) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": hub_signature(secret, raw),
        "User-Agent": "GitHub-Hookshot/test",
    }
    return raw, headers


def github_issue_event(
    compat: Path,
    app: GitHubApp,
    base_url: str,
    repo: str,
    number: int,
    action: str = "opened",
    sender: str = "a-person",
) -> dict[str, Any]:
    """The real `issues.<action>` example, about sandbox issue `repo#number` as it is now."""
    body = github_example(compat, "issues", action)
    state = app.repos[repo.lower()]
    body["issue"] = app.render_item(state, state.items[number], base_url)
    body["repository"]["full_name"] = state.full_name
    body["repository"]["name"] = state.full_name.split("/")[1]
    body["sender"]["login"] = sender
    return body


def jira_recorded(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((JIRA_DATA / name).read_text(encoding="utf-8"))
    return body


def jira_issue_event(
    jira: JiraApp,
    base_url: str,
    key: str,
    event: str = "jira:issue_created",
    user: str = "a.person",
) -> dict[str, Any]:
    """The recorded Data Center `jira:issue_created` body (its event renamed when asked),
    about sandbox issue `key` as it is now."""
    body = jira_recorded("jira-to-matrix-issue_created.json")
    body["webhookEvent"] = event
    body["timestamp"] = int(time.time() * 1000)
    body["issue"] = jira.render(jira.items[key], base_url, "2", None)
    body["user"]["name"] = user
    body["user"]["key"] = user
    body["changelog"]["id"] = str(uuid.uuid4().int % 10**9)
    return body


def jira_delivery(body: dict[str, Any], secret: str = JIRA_SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Atlassian-Webhook-Identifier": str(uuid.uuid4()),
        "X-Atlassian-Webhook-Flow": "Primary",
        "X-Hub-Signature": hub_signature(secret, raw),
    }
    return raw, headers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Serve:
    """`triagewise serve` in a subprocess; stderr goes to `log`."""

    def __init__(self, config: Path, env: dict[str, str], port: int | None = None) -> None:
        self.config, self.port = config, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = config.parent / f"serve-{self.port}.log"
        self.env = {**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> Serve:
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "triagewise", "--config", str(self.config), "serve",
                 "--port", str(self.port)],
                stdout=subprocess.DEVNULL, stderr=err, env=self.env, cwd=self.config.parent,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited {self.proc.returncode}: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"serve did not start: {self.log.read_text()}")

    def health(self) -> dict[str, Any]:
        answer: dict[str, Any] = httpx.get(self.url + "/healthz", timeout=5).json()
        return answer

    def wait_idle(self, timeout: float = 30.0) -> dict[str, Any]:
        """Until the queue is empty; returns the last health answer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            health = self.health()
            if health["queue"] == 0:
                return health
            time.sleep(0.1)
        raise AssertionError(f"serve still has a queue: {self.health()}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def __enter__(self) -> Serve:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def label_journal(db: Path) -> list[tuple[str, str]]:
    """(plan, ref) of every label change the store's apply journal holds."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT plan, ref FROM journal WHERE kind = 'labels'").fetchall()
    return [(str(p), str(r)) for p, r in rows]
