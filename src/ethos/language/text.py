"""Split a note into tokens and sentences, keeping offsets into the original text."""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import NamedTuple

# A token is a word (word characters joined by single apostrophes, hyphens or dots:
# "don't", "self-harm", "6-year-old", "F43.10") or one other non-space character. Every
# quantifier is possessive, so the regex engine never backtracks: matching is linear.
TOKEN_RE = re.compile(r"\w++(?:['\u2019\-.]\w++)*+|[^\w\s]")

# Candidate sentence ends: a run of sentence marks and the space after it, or a line break
# and the space after it. Quantifiers are possessive and runs are consumed whole, and the
# look-back for abbreviations is bounded, so splitting is linear.
BOUNDARY_RE = re.compile(r"(?P<mark>[.!?]++)(?P<space>\s*+)|(?P<newline>\n\s*+)")
LAST_WORD_RE = re.compile(r"[\w.]++$")

# Abbreviations whose dot does not end a sentence.
ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "st", "e.g", "i.e", "vs", "approx", "cf", "pt"})


class Token(NamedTuple):
    """One token: its normalised form and its character span in the original text."""

    norm: str
    start: int
    end: int


class Sentence(NamedTuple):
    """A sentence: its character span and its tokens."""

    start: int
    end: int
    tokens: tuple[Token, ...]


_new = tuple.__new__
_SPAN = re.Match.span
RIGHT_QUOTE = "\u2019"  # typographic apostrophe, as in "don\u2019t"


def normalise(word: str) -> str:
    """Return the form a token is matched by: lower case, straight apostrophes."""
    return word.lower().replace(RIGHT_QUOTE, "'")


def tokenize(text: str) -> list[Token]:
    """Return the tokens of text with their offsets."""
    spans = map(_SPAN, TOKEN_RE.finditer(text))
    lowered = normalise(text)
    if len(lowered) != len(text):
        # A few characters grow when lower-cased ("İ"); offsets then need per-token work.
        return [Token(normalise(text[a:b]), a, b) for a, b in spans]
    # tuple.__new__ skips the Python-level NamedTuple constructor: this is the hot loop.
    return [_new(Token, (lowered[a:b], a, b)) for a, b in spans]


def _closes_abbreviation(text: str, mark_start: int) -> bool:
    """Tell whether a dot closes an abbreviation or an initial rather than a sentence."""
    # Look back a bounded distance: abbreviations are short.
    before = LAST_WORD_RE.search(text, max(0, mark_start - 12), mark_start)
    if before is None:
        return False
    word = normalise(before.group())
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _is_boundary(text: str, m: re.Match[str]) -> bool:
    """Tell whether a candidate (marks and the space after, or a line break) ends a sentence."""
    mark, space, newline = m.groups()
    if not mark:
        space = newline
    end = m.end()
    following = text[end] if end < len(text) else ""
    if not following or space.count("\n") > 1:
        return True  # a blank line, or the end of the text
    if mark:
        if not space:
            return False  # inside a token such as "F43.10", or a run such as "?)"
        if mark == "." and _closes_abbreviation(text, m.start()):
            return False
    # A wrapped line or a sentence going on in lower case is the same sentence.
    return not following.islower()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return the character spans of the sentences of text."""
    spans: list[tuple[int, int]] = []
    begin = 0
    for m in BOUNDARY_RE.finditer(text):
        if _is_boundary(text, m):
            cut = m.end("mark") if m.group("mark") else m.start()
            spans.append((begin, cut))
            begin = cut
    spans.append((begin, len(text)))
    return spans


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Return where the sentences of text are, as `split_sentences` gives them, without their tokens.

    Every character but white space belongs to a token, so a sentence runs from its span's first
    character that is not white space to its last one (`str.strip` and the regexes' `\\s` agree on
    white space); a span of white space alone holds no sentence.
    """
    bounds = []
    for begin, cut in sentence_spans(text):
        chunk = text[begin:cut]
        body = chunk.strip()
        if body:
            start = begin + len(chunk) - len(chunk.lstrip())
            bounds.append((start, start + len(body)))
    return bounds


def note_lowered(text: str) -> str | None:
    """Return the note lower-cased for `sentence_at`, or None where tokens are lower-cased one by one."""
    lowered = normalise(text)
    return lowered if len(lowered) == len(text) else None


def sentence_at(text: str, start: int, end: int, lowered: str | None) -> Sentence:
    """Return the sentence at (start, end) of text, one of `sentence_bounds`, with its tokens.

    `lowered` is `note_lowered(text)`: the tokens are those `tokenize(text)` gives there (no token
    crosses a sentence's bounds, and the regex looks neither behind nor ahead of a token).
    """
    spans = map(_SPAN, TOKEN_RE.finditer(text, start, end))
    if lowered is None:
        tokens = tuple([Token(normalise(text[a:b]), a, b) for a, b in spans])
    else:
        tokens = tuple([_new(Token, (lowered[a:b], a, b)) for a, b in spans])
    return _new(Sentence, (start, end, tokens))


def ascii_norms(text: str, start: int, end: int, lowered: str | None) -> list[str]:
    """Return the normal forms of the tokens of an ASCII sentence at (start, end) of text, in order.

    The forms `sentence_at` gives its tokens, without their offsets: lower-casing ASCII changes
    letters into letters and nothing else, so the regex finds the same tokens in the lowered
    text, and there is no typographic apostrophe to straighten. `lowered` is `note_lowered(text)`.
    """
    if lowered is None:
        return TOKEN_RE.findall(text[start:end].lower())
    return TOKEN_RE.findall(lowered, start, end)


def split_sentences(text: str) -> list[Sentence]:
    """Return the sentences of text in order, each with its own tokens."""
    tokens = tokenize(text)
    starts = [t[1] for t in tokens]
    sentences = []
    i = 0
    for _, end in sentence_spans(text):
        # The tokens that start before the sentence ends (and after the last one) are its own.
        j = bisect_left(starts, end, i)
        if j > i:
            chunk = tuple(tokens[i:j])
            sentences.append(_new(Sentence, (chunk[0].start, chunk[-1].end, chunk)))
            i = j
    return sentences
