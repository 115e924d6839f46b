"""The Jira connector (Cloud and Data Center, through the `jira` library): issues by JQL,
labels by one PUT each, the Agile rank API in blocks of 50, comments in wiki markup. Its error
table is `errors.error_for`."""

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
from triagewise.connectors.gone import Gone
from triagewise.connectors.identity import FromHistory
from triagewise.connectors.jira.bulk import BULK_MAX
from triagewise.connectors.jira.client import JiraClient
from triagewise.connectors.jira.config import JiraSource
from triagewise.connectors.jira.cursor import JiraCursor
from triagewise.connectors.jira.fields import FieldMap, discover_fields
from triagewise.connectors.jira.history import JiraHistory
from triagewise.connectors.jira.locate import locate
from triagewise.connectors.jira.mapping import map_issue
from triagewise.connectors.jira.mirror import scan_issues
from triagewise.connectors.jira.webhook import JIRA_WEBHOOK
from triagewise.connectors.jira.writer import JiraWriter, write_comment
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import NotFoundError, ProtocolError
from triagewise.model import Issue

RANK_BATCH = 50  # Jira ranks at most 50 issues a call, placed as a block
WIKI = CommentStyle("*{}*", "* ", EXPLANATION_NOTE, EXPLANATION_NOTE, markup="wiki")


def _config(source: SourceConfig) -> JiraSource:
    if not isinstance(source, JiraSource):
        raise TypeError(f"{source.name} is not a Jira source")
    return source


class JiraConnection(FromHistory):
    def __init__(self, source: JiraSource, client: JiraClient) -> None:
        self.name = source.name
        self.capabilities = JIRA.capabilities(source)
        self.client = client
        self.writer = JiraWriter(client)
        self.labels = self.writer
        self.ranker = self.writer
        self.board = None
        self.commenter = MarkerCommenter(self.writer, write_comment, WIKI.marker)
        self.history = JiraHistory(client)
        self.writer.identities = self.history.identities
        self._fields: FieldMap | None = None  # discovered on the first fetch, then kept

    def scan(self, saved: SavedCursor | None, now: datetime) -> Iterator[Page]:
        return scan_issues(self.client, self.name, JiraCursor.from_json(saved), now)

    def read_board(self, issues: Sequence[Issue]) -> BoardState | None:
        """The whole scope ordered by Rank, keys only: the board's order and its scope."""
        return BoardState(self.writer.board_order())

    def locate(self, issues: Sequence[Issue]) -> list[Gone]:
        return locate(self.client, issues)

    def target(self, issue: Issue) -> str:
        # bulk edit tasks report processed issues by numeric id: remember it for the key
        self.writer.bulk.ids[issue.ref] = issue.tracker_id
        return issue.ref  # the issue key

    def fetch_issue(self, ref: str) -> Fetched:
        if self._fields is None:
            self._fields = discover_fields(self.client.fields())
        fields = ",".join(self._fields.search_fields())
        try:
            item = self.client.get_json("issue", f"issue/{ref}", {"fields": fields})
        except NotFoundError:
            return Fetched(None, gone="deleted or no longer visible")
        if not isinstance(item, dict) or "key" not in item:
            raise ProtocolError(f"Jira {self.name} sent no issue for {ref}.")
        if str(item["key"]).upper() != ref.upper():
            return Fetched(None, gone=f"moved to {item['key']}")
        try:
            issue = map_issue(item, self.name, self.client.source.url, self._fields)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"Jira issue {ref} could not be read ({exc!r}).") from None
        return Fetched(issue, item)

    def meter(self) -> Meter:
        return Meter(self.client.requests, self.client.searches, 0)

    def close(self) -> None:
        self.client.close()


class JiraConnector:
    type = "jira"
    config_model = JiraSource
    webhook = JIRA_WEBHOOK

    def capabilities(self, source: SourceConfig) -> Capabilities:
        _config(source)
        return Capabilities(
            title="Jira",
            rank="block",
            rank_batch=RANK_BATCH,
            board_is_scope=True,
            comments=WIKI,
            label_batch=BULK_MAX,  # Cloud bulk edit; the writer takes 1 on Data Center
            write_interval=0.0,  # no artificial pause: 429 and Retry-After are honoured
        )

    def mirrors(self, source: SourceConfig) -> str:
        jira = _config(source)
        return f"{jira.url.rstrip('/')} {' '.join(jira.jql.split()).lower()}"

    def open(
        self,
        source: SourceConfig,
        index: int,
        env: Mapping[str, str],
        policy: RetryPolicy,
        timeout: float,
    ) -> JiraConnection:
        jira = _config(source)
        token = resolve_env(env, jira.token_env, f"sources[{index}].token_env")
        key = f"sources[{index}].user_env"
        user = resolve_env(env, jira.user_env, key) if jira.user_env else None
        return JiraConnection(jira, JiraClient(jira, user, token, policy, timeout))


JIRA = JiraConnector()
