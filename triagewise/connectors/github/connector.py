"""The GitHub connector: issues over REST (httpx), labels, Projects board and comments over
GraphQL and REST. Its error table is `errors.error_for`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from triagewise.connectors.base import (
    BoardState,
    Fetched,
    MarkerCommenter,
    Meter,
    Page,
    SavedCursor,
    resolve_env,
)
from triagewise.connectors.capabilities import EXPLANATION_NOTE, Capabilities, CommentStyle
from triagewise.connectors.config import SourceConfig
from triagewise.connectors.github.batch import LABEL_BATCH
from triagewise.connectors.github.client import GitHubClient
from triagewise.connectors.github.config import GitHubSource
from triagewise.connectors.github.cursor import GitHubCursor
from triagewise.connectors.github.history import GitHubHistory
from triagewise.connectors.github.locate import locate
from triagewise.connectors.github.mapping import is_pull_request, map_issue
from triagewise.connectors.github.mirror import scan_issues
from triagewise.connectors.github.webhook import GITHUB_WEBHOOK
from triagewise.connectors.github.writer import (
    GitHubWriter,
    ProjectBoard,
    graphql_url,
    write_comment,
)
from triagewise.connectors.gone import Gone
from triagewise.connectors.identity import FromHistory
from triagewise.connectors.retry import RetryPolicy
from triagewise.model import Issue

MARKER = "<!-- triagewise:explanation -->"  # hidden in the rendered Markdown
MARKDOWN = CommentStyle("**{}**", "- ", f"_{EXPLANATION_NOTE}_ {MARKER}", MARKER)


def _config(source: SourceConfig) -> GitHubSource:
    if not isinstance(source, GitHubSource):
        raise TypeError(f"{source.name} is not a GitHub source")
    return source


class GitHubConnection(FromHistory):
    def __init__(self, source: GitHubSource, client: GitHubClient) -> None:
        self.name = source.name
        self.capabilities = GITHUB.capabilities(source)
        self.client = client
        writer = GitHubWriter(client)
        self.labels = writer
        self.ranker = None
        self.board = (
            ProjectBoard(
                writer, source.project.owner, source.project.number, source.project.score_field
            )
            if source.project is not None
            else None
        )
        self.commenter = MarkerCommenter(writer, write_comment, MARKER)
        self.history = GitHubHistory(writer)
        writer.identities = self.history.identities

    def scan(self, saved: SavedCursor | None, now: datetime) -> Iterator[Page]:
        return scan_issues(self.client, self.name, GitHubCursor.from_json(saved), now)

    def read_board(self, issues: Sequence[Issue]) -> BoardState | None:
        if self.board is None:
            return None
        by_node = {i.node_id: i.ref for i in issues if i.node_id}
        order = [by_node[n] for n in self.board.order() if n in by_node]
        if not self.board.score_field:
            return BoardState(order)
        return BoardState(
            order, {by_node[n]: v for n, v in self.board.scores.items() if n in by_node}
        )

    def locate(self, issues: Sequence[Issue]) -> list[Gone]:
        return locate(self.client, graphql_url(self.client.api_url), issues)

    def target(self, issue: Issue) -> str:
        return issue.node_id or issue.ref  # GraphQL addresses an issue by its node id

    def fetch_issue(self, ref: str) -> Fetched:
        status, payload = self.client.get_issue(int(ref.rsplit("#", 1)[1]))
        if payload is None:
            why = {301: "transferred", 410: "deleted"}.get(status, "not found")
            return Fetched(None, gone=why)
        if is_pull_request(payload):
            return Fetched(None, gone="a pull request")
        return Fetched(map_issue(payload, self.name, self.client.repo), payload)

    def meter(self) -> Meter:
        return Meter(self.client.requests, self.client.requests, self.client.not_modified)

    def close(self) -> None:
        self.client.close()


class GitHubConnector:
    type = "github"
    config_model = GitHubSource
    webhook = GITHUB_WEBHOOK

    def capabilities(self, source: SourceConfig) -> Capabilities:
        project = _config(source).project
        return Capabilities(
            title="GitHub",
            rank="single" if project is not None else None,
            score_field=bool(project and project.score_field),
            comments=MARKDOWN,
            label_batch=LABEL_BATCH,
            write_interval=1.0,  # GitHub: at least 1 s between mutative requests
        )

    def mirrors(self, source: SourceConfig) -> str:
        github = _config(source)
        return f"{github.api_url.rstrip('/')}/repos/{github.repo.lower()}"

    def open(
        self,
        source: SourceConfig,
        index: int,
        env: Mapping[str, str],
        policy: RetryPolicy,
        timeout: float,
    ) -> GitHubConnection:
        github = _config(source)
        token = resolve_env(env, github.token_env, f"sources[{index}].token_env")
        client = GitHubClient(
            github.api_url, token, github.repo, github.token_env, policy, None, timeout
        )
        return GitHubConnection(github, client)


GITHUB = GitHubConnector()
