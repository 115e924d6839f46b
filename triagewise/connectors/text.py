"""Rich text from trackers to plain text. Pure."""

from __future__ import annotations

import html
import re

_FENCE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.MULTILINE)
_QUOTE = re.compile(r"^\s{0,3}>\s?", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*+]\s+(\[[ xX]\]\s+)?", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|\*|~~)(?=\S)(.+?)(?<=\S)\1")
_UNDERSCORE = re.compile(r"(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\1(?!\w)")  # not snake_case
_CODE = re.compile(r"`([^`]*)`")
_TAG = re.compile(r"<[^>\n]+>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_RULE = re.compile(r"^\s*([-*_]\s*){3,}$", re.MULTILINE)
_BLANKS = re.compile(r"\n{3,}")


def markdown_to_text(markdown: str | None) -> str:
    """GitHub-flavoured Markdown to readable plain text: markup goes, words stay."""
    if not markdown:
        return ""
    text = markdown.replace("\r\n", "\n")
    text = _COMMENT.sub("", text)
    text = _FENCE.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _HEADING.sub("", text)
    text = _QUOTE.sub("", text)
    text = _RULE.sub("", text)
    text = _BULLET.sub(r"\1- ", text)
    text = _CODE.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _UNDERSCORE.sub(r"\2", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    return _BLANKS.sub("\n\n", text).strip()


# -- Jira wiki markup (REST v2) -------------------------------------------------------------

_WIKI_BLOCK = re.compile(r"\{(code|noformat|quote|panel)(:[^}]*)?\}", re.IGNORECASE)
_WIKI_COLOR = re.compile(r"\{color(:[^}]*)?\}", re.IGNORECASE)
_WIKI_HEADING = re.compile(r"^\s*h[1-6]\.\s*", re.MULTILINE)
_WIKI_LINK = re.compile(r"\[([^|\]]+)\|[^\]]+\]")
_WIKI_BARE_LINK = re.compile(r"\[(https?://[^\]]+|~[^\]]+|[A-Z][A-Z0-9]+-\d+)\]")
_WIKI_IMAGE = re.compile(r"!([^!\s|]+)(\|[^!]*)?!")
_WIKI_BULLET = re.compile(r"^\s*[*#-]+\s+", re.MULTILINE)
_WIKI_EMPHASIS = re.compile(r"(?<![\w*_+^~-])([*_+^~-]|\?\?)(?=\S)(.+?)(?<=\S)\1(?![\w*_+^~-])")
_WIKI_MONO = re.compile(r"\{\{(.+?)\}\}")
_WIKI_TABLE = re.compile(r"\|\|?")
_WIKI_QUOTE = re.compile(r"^\s*bq\.\s*", re.MULTILINE)


def wiki_to_text(wiki: str | None) -> str:
    """Jira wiki markup (what REST v2 returns) to plain text."""
    if not wiki:
        return ""
    text = wiki.replace("\r\n", "\n")
    text = _WIKI_BLOCK.sub("", text)
    text = _WIKI_COLOR.sub("", text)
    text = _WIKI_HEADING.sub("", text)
    text = _WIKI_QUOTE.sub("", text)
    text = _WIKI_IMAGE.sub("", text)
    text = _WIKI_LINK.sub(r"\1", text)
    text = _WIKI_BARE_LINK.sub(r"\1", text)
    text = _WIKI_MONO.sub(r"\1", text)
    text = _WIKI_BULLET.sub("- ", text)
    text = _WIKI_EMPHASIS.sub(r"\2", text)
    text = _WIKI_TABLE.sub(" ", text)
    text = re.sub(r"[ \t]+", " ", text)
    return _BLANKS.sub("\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()


# -- Atlassian Document Format (REST v3) ------------------------------------------------------

_ADF_BLOCKS = {
    "paragraph", "heading", "blockquote", "codeBlock", "listItem", "tableRow", "panel",
    "rule", "mediaSingle", "expand", "taskItem", "decisionItem",
}  # fmt: skip


def adf_to_text(doc: object) -> str:
    """Atlassian Document Format (what REST v3 returns) to plain text."""
    parts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind == "text":
            parts.append(str(node.get("text", "")))
        elif kind == "hardBreak":
            parts.append("\n")
        elif kind == "mention":
            attrs = node.get("attrs") or {}
            parts.append(str(attrs.get("text") or ""))
        elif kind in ("emoji", "status", "date", "inlineCard"):
            attrs = node.get("attrs") or {}
            parts.append(str(attrs.get("text") or attrs.get("shortName") or attrs.get("url") or ""))
        if kind == "listItem":
            parts.append("- ")
        walk(node.get("content"))
        if kind in _ADF_BLOCKS:
            parts.append("\n")

    walk(doc)
    text = "".join(parts)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", text).strip()
