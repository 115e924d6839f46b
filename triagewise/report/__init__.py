"""Reports: pure functions from assessments (and snapshots) to documents. `markdown` (the
roadmap, `explain`, the contract JSON), `html` (one self-contained page), `flow` (how issues
moved between buckets over syncs). No store, no clock: the CLI passes both in."""

from triagewise.report.markdown import explain_text, one_line, report_json, roadmap_markdown

__all__ = ["explain_text", "one_line", "report_json", "roadmap_markdown"]
