"""Tracker text is untrusted: anyone can file an issue. One place makes it safe for where it is
shown. Pure.

- `terminal`: for any terminal output. Escape sequences (CSI, OSC incl. OSC 52 clipboard and
  OSC 8 hyperlinks, DCS, SOS/PM/APC, two-character ESC sequences, and their 8-bit C1 forms) are
  removed whole; any other C0/C1 control, DEL and the bidi overrides that reorder what is shown
  become a visible `\\xNN` / `\\uNNNN`. Newlines and tabs stay, unless `one_line`.
- `rich_text`: the same, as a rich `Text`, so that `[` ... `]` in a label is never markup.
- `markdown`: for Markdown read on GitHub and in viewers: controls as in `terminal`, HTML
  escaped (`<script>`, `<img onerror>` render as text), table pipes escaped, one line;
  `wiki` the same for Jira wiki markup (macros, links, tables).
- `json_dumps`: JSON that keeps the text exactly: C0 controls are JSON-escaped as always, and
  C1 controls, DEL, bidi overrides (and with `html=True` also `<`, `>`, `&`) too, so the
  document carries no raw control and reads back to the same strings.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from rich.text import Text

# ESC or its 8-bit form, then the body of the sequence up to its terminator.
_SEQUENCE = re.compile(
    r"""
    (?: \x1b\[ | \x9b ) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?        # CSI ... final
  | (?: \x1b[\]PX^_] | [\x90\x98\x9d\x9e\x9f] )                        # OSC, DCS, SOS, PM, APC
        [^\x07\x1b\x9c]* (?: \x07 | \x1b\\ | \x9c )?                   # ... BEL or ST
  | \x1b [\x20-\x2f]* [\x30-\x7e]?                                     # ESC x, ESC ( B, ...
    """,
    re.VERBOSE,
)
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI}]")
_CONTROL_NL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI}]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str, one_line: bool = False) -> str:
    """Text safe to write to a terminal: no escape sequence, no raw control character."""
    text = _SEQUENCE.sub("", text)
    if one_line:
        text = re.sub(r"\r\n|\n", " ", text)
        return _CONTROL_NL.sub(_visible, text)
    return _CONTROL.sub(_visible, text)


def rich_text(text: str, style: str = "", one_line: bool = True) -> Text:
    """A rich `Text` of tracker text: never parsed as markup, never an escape sequence."""
    return Text(terminal(text, one_line=one_line), style=style)


_MARKDOWN_LINK = re.compile(r"([\[\]|])")


def markdown(text: str) -> str:
    """Tracker text inside one line of Markdown: HTML, table pipes and the brackets of links
    and images escaped (a title `![x](https://evil.example/pixel)` would otherwise load an
    image from anywhere when roadmap.md or a digest is viewed)."""
    return _MARKDOWN_LINK.sub(r"\\\1", html.escape(terminal(text, one_line=True), quote=False))


def wiki(text: str) -> str:
    """Tracker text inside one line of Jira wiki markup: macros, links and tables escaped."""
    return re.sub(r"([{}\[\]|])", r"\\\1", terminal(text, one_line=True))


_JSON_EXTRA = re.compile(f"[\\x7f-\\x9f{_BIDI}\u2028\u2029]")
_JSON_HTML = re.compile(f"[\\x7f-\\x9f{_BIDI}\u2028\u2029<>&]")


def json_dumps(data: Any, indent: int | None = 2, html: bool = False) -> str:
    """JSON with every string kept exactly, and nothing a terminal or a page would act on."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    # Outside strings JSON holds only ASCII punctuation, digits and letters, so every match is
    # inside a string, where a \\uNNNN escape stands for the same character.
    return (_JSON_HTML if html else _JSON_EXTRA).sub(lambda m: f"\\u{ord(m.group()):04x}", text)
