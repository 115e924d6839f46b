"""Two bucket labels on one issue (issue 17 item 2): a conflict resolved in the person's
favour, by the most recent person's bucket label according to the tracker's label events
(`connectors.base.LabelHistory`). Without label events the planner falls back to the label
triagewise did not write (`plan.person_bucket`). Asks only about issues with two or more
bucket labels and no held decision: usually no request at all."""

from __future__ import annotations

from collections.abc import Mapping

from triagewise.config.models import Config
from triagewise.connectors.base import Connection, LabelHistory, fold_identity
from triagewise.connectors.identity import latest
from triagewise.model import Issue, Key, StatusCategory
from triagewise.rules.triage import Bucket
from triagewise.store.db import Store
from triagewise.sync.fresh import HUMAN


def rival_buckets(store: Store, config: Config, conns: Mapping[str, Connection]) -> dict[Key, str]:
    """Issue -> the bucket of the most recent bucket label a person (not one of triagewise's
    identities) added and that is still there, for issues carrying two or more."""
    wb = config.writeback
    buckets = {wb.bucket_label(b.value).lower(): b.value for b in Bucket}
    held = {k for k, d in store.decisions().items() if d.origin == HUMAN}
    by_source: dict[str, list[Issue]] = {}
    for issue in store.issues():
        if issue.status_category is StatusCategory.DONE or issue.key in held:
            continue
        if issue.source in conns and sum(x.lower() in buckets for x in issue.labels) > 1:
            by_source.setdefault(issue.source, []).append(issue)
    extra = frozenset(fold_identity(x) for x in wb.bot_logins)
    out: dict[Key, str] = {}
    for source, issues in by_source.items():
        conn = conns[source]
        if not isinstance(conn, LabelHistory):
            continue
        ours = conn.identities() | extra
        events = conn.label_events(issues, frozenset(buckets))
        for issue in issues:
            present = {x.lower() for x in issue.labels}
            added = [
                e
                for e in events.get(issue.ref, [])
                if e.added and not e.actor_ids & ours and e.label.lower() in present
            ]
            if added:
                out[issue.key] = buckets[latest(added).label.lower()]
    return out
