"""The JQL the connector and typical users send, parsed and evaluated over sandbox issues.

Clauses: `field op value` with = != > >= < <= ~ !~ IN, NOT IN, IS [NOT] EMPTY; AND, OR, NOT,
parentheses; ORDER BY field [ASC|DESC], ... Dates: "yyyy/MM/dd HH:mm", "yyyy-MM-dd HH:mm",
"yyyy/MM/dd", "yyyy-MM-dd" (read in the user's time zone, UTC here) and relative "-15m",
"-2h", "-5d", "-1w". Errors carry Jira's own wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

Row = dict[str, Any]  # field name (lower case) -> value; lists for multi-valued fields
Predicate = Callable[[Row], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|>=|<=|!~|=|>|<|~)
      | (?P<punct>[(),])
      | (?P<word>[^\s=!<>~(),"']+)
    )""",
    re.VERBOSE,
)
FIELDS = {
    "project", "key", "issuekey", "id", "labels", "status", "statuscategory", "updated",
    "created", "resolved", "resolutiondate", "issuetype", "type", "priority", "assignee",
    "reporter", "summary", "description", "text", "component", "fixversion", "rank", "duedate",
}  # fmt: skip
DATE_FIELDS = {"updated", "created", "resolved", "resolutiondate", "duedate"}
TEXT_FIELDS = {"summary", "description", "text"}
_RELATIVE = re.compile(r"^([+-]?\d+)([wdhm]?)$")
_KEY_NUMBER = re.compile(r"^([A-Z][A-Z0-9]*)-(\d+)$", re.IGNORECASE)


class JqlError(ValueError):
    """Jira's 400: `errorMessages` holds this text."""


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class Query:
    where: Predicate | None
    order: list[tuple[str, bool]]  # (field, descending)

    def matches(self, row: Row) -> bool:
        return self.where is None or self.where(row)


def _tokens(text: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise JqlError(
                f"Error in the JQL Query: The character '{text[pos]}' is a reserved JQL character. (line 1, character {pos + 1})"
            )
        kind = m.lastgroup or "word"
        out.append(Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return out


def parse_date(text: str, now: datetime) -> datetime:
    text = text.strip()
    rel = _RELATIVE.match(text)
    if rel:
        amount, unit = int(rel.group(1)), rel.group(2) or "m"
        scale = {
            "w": timedelta(weeks=1),
            "d": timedelta(days=1),
            "h": timedelta(hours=1),
            "m": timedelta(minutes=1),
        }[unit]
        return now + amount * scale
    for fmt in ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise JqlError(
        f"Date value '{text}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    )


class _Parser:
    def __init__(self, text: str, now: datetime) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.now = now

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def word(self, *words: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "word" and t.text.lower() in words

    def take(self) -> Tok:
        t = self.peek()
        if t is None:
            where = len(self.text) + 1
            raise JqlError(
                "Error in the JQL Query: Expecting either a value, list or function but got 'EOF'. "
                "You must surround 'EOF' in quotation marks to use it as a value. "
                f"(line 1, character {where})"
            )
        self.i += 1
        return t

    def parse(self) -> Query:
        where = None
        if self.peek() is not None and not self.word("order"):
            where = self.expr()
        order: list[tuple[str, bool]] = []
        if self.word("order"):
            self.take()
            if not self.word("by"):
                raise JqlError("Error in the JQL Query: Expecting 'by' after 'order'.")
            self.take()
            while True:
                name = self.take().text.lower()
                if name not in FIELDS:
                    raise JqlError(f"Not able to sort using field '{name}'.")
                desc = False
                if self.word("asc", "desc"):
                    desc = self.take().text.lower() == "desc"
                order.append((name, desc))
                t = self.peek()
                if t is None:
                    break
                if t.text != ",":
                    raise JqlError(
                        f"Error in the JQL Query: Expecting ',' but got '{t.text}'. (line 1, character {t.pos + 1})"
                    )
                self.take()
        if self.peek() is not None:
            t = self.take()
            raise JqlError(
                f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{t.text}'. (line 1, character {t.pos + 1})"
            )
        return Query(where, order)

    def expr(self) -> Predicate:
        left = self.term()
        while self.word("or"):
            self.take()
            right = self.term()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def term(self) -> Predicate:
        left = self.factor()
        while self.word("and"):
            self.take()
            right = self.factor()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def factor(self) -> Predicate:
        if self.word("not"):
            self.take()
            inner = self.factor()
            return lambda r: not inner(r)
        t = self.peek()
        if t is not None and t.text == "(":
            self.take()
            inner = self.expr()
            close = self.take()
            if close.text != ")":
                raise JqlError(
                    f"Error in the JQL Query: Expecting ')' but got '{close.text}'. (line 1, character {close.pos + 1})"
                )
            return inner
        return self.clause()

    def value(self) -> str:
        t = self.take()
        if t.kind == "string":
            return re.sub(r"\\(.)", r"\1", t.text[1:-1])
        if t.kind != "word" or t.text.lower() in ("and", "or", "order"):
            raise JqlError(
                f"Error in the JQL Query: Expecting either a value, list or function but got '{t.text}'. (line 1, character {t.pos + 1})"
            )
        return t.text

    def clause(self) -> Predicate:
        t = self.take()
        if t.kind in ("punct", "op"):
            raise JqlError(
                f"Error in the JQL Query: Expecting a field name but got '{t.text}'. (line 1, character {t.pos + 1})"
            )
        name = (t.text[1:-1] if t.kind == "string" else t.text).lower()
        if name not in FIELDS and not name.startswith("cf["):
            raise JqlError(
                f"Field '{name}' does not exist or you do not have permission to view it."
            )
        name = {"issuekey": "key", "type": "issuetype", "resolved": "resolutiondate"}.get(
            name, name
        )
        if self.word("is"):
            self.take()
            negate = self.word("not") and bool(self.take())
            if not self.word("empty", "null"):
                raise JqlError("Error in the JQL Query: Expecting 'EMPTY' or 'NULL' after 'IS'.")
            self.take()
            return lambda r: _empty(r.get(name)) != negate
        if self.word("in") or self.word("not"):
            negate = self.take().text.lower() == "not"
            if negate:
                if not self.word("in"):
                    raise JqlError("Error in the JQL Query: Expecting 'IN' after 'NOT'.")
                self.take()
            if self.take().text != "(":
                raise JqlError("Error in the JQL Query: Expecting '(' after 'IN'.")
            values = [self.value()]
            while (nxt := self.take()).text == ",":
                values.append(self.value())
            if nxt.text != ")":
                raise JqlError(f"Error in the JQL Query: Expecting ')' but got '{nxt.text}'.")
            wanted = {v.lower() for v in values}
            return lambda r: _any(r.get(name), lambda v: str(v).lower() in wanted) != negate
        op_tok = self.take()
        if op_tok.kind != "op":
            raise JqlError(
                f"Error in the JQL Query: Expecting operator but got '{op_tok.text}'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character {op_tok.pos + 1})"
            )
        op, raw = op_tok.text, self.value()
        if raw.lower() in ("empty", "null") and op in ("=", "!="):
            return lambda r: _empty(r.get(name)) == (op == "=")
        if name in DATE_FIELDS:
            moment = parse_date(raw, self.now)
            return _compare(name, op, moment)
        if name in TEXT_FIELDS or op in ("~", "!~"):
            needle = raw.lower().strip("*")
            fields = ("summary", "description") if name == "text" else (name,)
            hit: Predicate = lambda r: any(needle in str(r.get(f) or "").lower() for f in fields)  # noqa: E731
            return (lambda r: not hit(r)) if op in ("!=", "!~") else hit
        if name == "key" and op in (">", ">=", "<", "<="):
            return _compare_key(op, raw)
        if op in ("=", "!="):
            wanted_one = raw.lower()
            eq: Predicate = lambda r: _any(r.get(name), lambda v: str(v).lower() == wanted_one)  # noqa: E731
            return eq if op == "=" else (lambda r: not eq(r))
        raise JqlError(f"The operator '{op}' is not supported by the '{name}' field.")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _any(value: Any, test: Callable[[Any], bool]) -> bool:
    if isinstance(value, list | tuple):
        return any(test(v) for v in value)
    return value is not None and test(value)


def _compare(name: str, op: str, moment: datetime) -> Predicate:
    ops: dict[str, Callable[[datetime, datetime], bool]] = {
        "=": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    }  # fmt: skip
    if op not in ops:
        raise JqlError(f"The operator '{op}' is not supported by the '{name}' field.")
    test = ops[op]
    return lambda r: isinstance(r.get(name), datetime) and test(r[name], moment)


def _compare_key(op: str, raw: str) -> Predicate:
    m = _KEY_NUMBER.match(raw)
    if not m:
        raise JqlError(f"The issue key '{raw}' for field 'key' is invalid.")
    project, number = m.group(1).upper(), int(m.group(2))

    def test(r: Row) -> bool:
        k = _KEY_NUMBER.match(str(r.get("key")))
        if not k or k.group(1).upper() != project:
            return False
        n = int(k.group(2))
        return {">": n > number, ">=": n >= number, "<": n < number, "<=": n <= number}[op]

    return test


def parse(text: str, now: datetime) -> Query:
    return _Parser(text, now).parse()


def sort_rows(rows: list[Row], order: list[tuple[str, bool]]) -> list[Row]:
    """Stable multi-key sort; Jira's default is by key, newest first... we default to key."""
    out = sorted(rows, key=lambda r: _key_order(r))
    for name, desc in reversed(order or [("key", True)]):
        if name in ("key", "issuekey"):
            out.sort(key=_key_order, reverse=desc)
        else:
            out.sort(
                key=lambda r: (r.get(name) is None, r.get(name) if r.get(name) is not None else 0),
                reverse=desc,
            )
    return out


def _key_order(r: Row) -> tuple[str, int]:
    m = _KEY_NUMBER.match(str(r.get("key")))
    return (m.group(1), int(m.group(2))) if m else (str(r.get("key")), 0)
