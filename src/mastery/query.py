"""The search syntax, read in one place: the card browser, cram (dialog and `mastery cram`),
the journal (screen and `mastery journal search`) and the mentor's reader all parse here.

One tokenizer splits a line into words, "quoted phrases" and `key:value` filters (the value
may be quoted: `when:"last week"`). Each domain then reads the tokens into a typed query:

- cards (`parse_cards`): words (on the front or back), `tag:x`, `deck:x`, `is:new|learning|
  review|due|suspended|leech`, `due:N` (due within N learner's days, `due:0` is today),
  `flag:N` (Anki's flags: 1 red ... 7 purple, or the colour; `flag:0` no flag);
- journal (`parse_journal`): words, "a phrase", `tag:x` (repeatable), `goal:x`,
  `is:shared|private`, `when:"last week"`;
- a mentee's shared entries (`parse_shared`): the journal's terms without `is:`.

Anything else that looks like a filter (`is:foo`, `colour:red`) is refused with one line that
names the filters the domain knows, so a typo never turns into a silently empty list. Text
with a colon after letters is searched as words when quoted ("ratio:1"); "10:30" and
"https://..." need no quotes. Filters that need the database (an unknown `deck:`, an unknown `goal:`) are checked
where the query meets it (`Collection.search_cards`, `Journal.search`). There is no negation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mastery.errors import SearchError
from mastery.states import Flag

_TOKEN = re.compile(
    r'(?P<key>[A-Za-z]+):(?!//)(?:"(?P<quoted>[^"]*)"|(?P<value>\S*))'
    r'|"(?P<phrase>[^"]*)"'
    r"|(?P<word>\S+)"
)

CARD_STATES = ("new", "learning", "review", "due", "suspended", "leech")
"""The values of `is:` in a card search."""
VISIBILITIES = ("shared", "private")
"""The values of `is:` in a journal search."""
MAX_DUE_DAYS = 36500
"""`due:N` past the longest interval a card can have means the same as the longest."""

CARD_HELP = "tag:x deck:x due:N flag:N is:new|learning|review|due|suspended|leech"
"""The card search terms in one line, for search boxes and empty states."""
JOURNAL_HELP = 'words "a phrase" tag:x goal:x is:shared|private when:"last week"'
"""The journal search terms in one line."""
SHARED_HELP = 'tag:x goal:x when:"last week" words'
"""The terms of the mentor's reader (a mentee's entries are all shared: no `is:`)."""

_EXAMPLES = {
    "tag": "tag:verbs",
    "deck": "deck:german",
    "is": "is:new",
    "due": "due:7",
    "flag": "flag:1",
    "goal": 'goal:"Speak German"',
    "when": 'when:"last week"',
}


@dataclass(frozen=True)
class Token:
    """One piece of a search line: a filter (`key` set), or a word or phrase (`key` None)."""

    text: str
    key: str | None = None
    phrase: bool = False

    @property
    def source(self) -> str:
        """The token as a person would type it back, for error messages."""
        if self.key is None:
            return f'"{self.text}"' if self.phrase else self.text
        value = f'"{self.text}"' if " " in self.text else self.text
        return f"{self.key}:{value}"


def tokenize(line: str) -> list[Token]:
    """Split a search line into tokens; an unclosed double quote is a `SearchError`."""
    if line.count('"') % 2:
        raise SearchError('a double quote (") is not closed')
    tokens: list[Token] = []
    for m in _TOKEN.finditer(line):
        if m["key"]:
            value = m["quoted"] if m["quoted"] is not None else m["value"]
            tokens.append(Token(value.strip(), m["key"].lower()))
        elif m["phrase"] is not None:
            if m["phrase"].strip():
                tokens.append(Token(" ".join(m["phrase"].split()), phrase=True))
        else:
            tokens.append(Token(m["word"]))
    return tokens


# ----------------------------------------------------------------------------- cards
@dataclass(frozen=True)
class CardQuery:
    """A card search, read: every part must hold (the SQL is `Cards.search_clauses`)."""

    words: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    decks: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    due_within: int | None = None
    flags: tuple[Flag, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.words or self.tags or self.decks or self.states or self.flags) and (
            self.due_within is None
        )


def parse_cards(line: str) -> CardQuery:
    """Read a card search (see the module docstring); `SearchError` says what is wrong."""
    words: list[str] = []
    tags: list[str] = []
    decks: list[str] = []
    states: list[str] = []
    due_within: int | None = None
    flags: list[Flag] = []
    for token in tokenize(line):
        if token.key is None:
            words.append(token.text)
            continue
        value = _value(token, ("tag", "deck", "is", "due", "flag"))
        if token.key == "tag":
            tags.append(value)
        elif token.key == "deck":
            decks.append(value)
        elif token.key == "is":
            state = value.lower()
            if state not in CARD_STATES:
                raise SearchError(_unknown_value(token, CARD_STATES))
            states.append(state)
        elif token.key == "flag":
            flags.append(_flag(token, value))
        else:
            if not (value.isascii() and value.isdigit()):
                raise SearchError(
                    f"{token.source}: give a whole number of days, e.g. due:0 (due today) or due:7"
                )
            days = MAX_DUE_DAYS if len(value) > 9 else min(int(value), MAX_DUE_DAYS)
            due_within = days if due_within is None else min(due_within, days)
    return CardQuery(
        tuple(words), tuple(tags), tuple(decks), tuple(states), due_within, tuple(flags)
    )


def _flag(token: Token, value: str) -> Flag:
    """`flag:N` as in Anki (0 none, 1 red ... 7 purple), or the colour's name."""
    text = value.lower()
    if text.isascii() and text.isdigit() and Flag.has(int(text)):
        return Flag(int(text))
    for flag in Flag:
        if flag.label == text:
            return flag
    colours = ", ".join(f"{f.value} {f.label}" for f in Flag if f)
    raise SearchError(f"unknown flag {token.source}; use flag:0 (none) to flag:7 ({colours})")


# ----------------------------------------------------------------------------- journal
@dataclass(frozen=True)
class JournalQuery:
    """A journal search, read. `words` must all appear in an entry's title or body; a phrase
    is one item with its spaces."""

    words: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    goal: str | None = None
    visibility: str | None = None
    when: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.words or self.tags or self.goal or self.visibility or self.when)


def parse_journal(line: str) -> JournalQuery:
    """Read a journal search (see the module docstring); `SearchError` says what is wrong."""
    return _parse_entries(line, ("tag", "goal", "is", "when"))


def parse_shared(line: str) -> JournalQuery:
    """Read a search over a mentee's shared entries: the journal's terms without `is:`."""
    return _parse_entries(line, ("tag", "goal", "when"))


def _parse_entries(line: str, keys: tuple[str, ...]) -> JournalQuery:
    words: list[str] = []
    tags: list[str] = []
    single: dict[str, str] = {}
    for token in tokenize(line):
        if token.key is None:
            words.append(token.text)
            continue
        value = _value(token, keys)
        if token.key == "tag":
            tags.append(value)
            continue
        if token.key == "is":
            value = value.lower()
            if value not in VISIBILITIES:
                raise SearchError(_unknown_value(token, VISIBILITIES))
        if token.key in single and single[token.key] != value:
            raise SearchError(f"one {token.key}: at a time")
        single[token.key] = value
    return JournalQuery(
        tuple(words), tuple(tags), single.get("goal"), single.get("is"), single.get("when")
    )


# ----------------------------------------------------------------------------- errors
def _value(token: Token, keys: tuple[str, ...]) -> str:
    """The filter's value, after checking the domain knows its key and it has one."""
    assert token.key is not None
    if token.key not in keys:
        known = ", ".join(f"{k}:" for k in keys)
        raise SearchError(
            f"unknown filter {token.source}; use {known} "
            '(text with a colon goes in double quotes: "a:b")'
        )
    if not token.text:
        raise SearchError(f"{token.key}: needs a value, e.g. {_EXAMPLES[token.key]}")
    return token.text


def _unknown_value(token: Token, values: tuple[str, ...]) -> str:
    known = ", ".join(f"{token.key}:{v}" for v in values)
    return f"unknown filter {token.source}; use {known}"
