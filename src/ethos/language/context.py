"""The ConText engine: match targets and modifiers in a sentence, then scope the modifiers.

Semantics follow NegEx/ConText (Chapman et al. 2001, Harkema et al. 2009), as medspaCy
documents them: a modifier reaches targets after it (forward), before it (backward) or both,
within a scope counted in tokens; a terminator ends the scope of the modifiers it stops;
a pseudo modifier matches a phrase that looks like a modifier and does nothing, which
keeps the real modifier from firing inside it. Overlapping matches of the same kind are
resolved leftmost-longest.

Every loop below is bounded: the trie walk by the longest phrase, the modifiers looked at
for a target by the largest scope, and the scope check by that scope. The `Work` counter
records the steps so a test can show the work grows linearly with the text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import compress
from operator import itemgetter
from typing import NamedTuple

from ethos.language.rules import MAX_CLASSIFIED_TOKEN, START, ModifierRule, RuleSet
from ethos.language.text import Token

ALL = "*"
# tuple.__new__ skips the Python-level NamedTuple constructor in the hot loop.
_new = tuple.__new__


class Work:
    """Count the elementary steps the engine takes."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps = 0


class Match(NamedTuple):
    """A rule's phrase found at tokens [start, end) of a sentence."""

    start: int
    end: int
    rule: int
    is_target: bool


_START, _IS_TARGET = itemgetter(0), itemgetter(3)
_NORM = itemgetter(0)


class Applied(NamedTuple):
    """A modifier that reaches a target."""

    kind: str
    rule_id: str
    start: int
    end: int


@dataclass(slots=True)
class SentenceMatches:
    """Targets, modifiers and terminators found in one sentence, overlaps resolved.

    In a sentence with none of the rules' own targets the checker has nothing to decide, so
    `match_sentence` leaves the modifiers in `pending` and `applied_modifiers` resolves them
    only if a caller asks about a span of its own (`modifiers_for`).
    """

    targets: list[Match]
    modifiers: list[Match]
    modifier_starts: list[int]
    stops_at: dict[int, frozenset[str]]
    pending: list[Match] | None = None
    # Where terminators start, in order, so a scope check looks only at the ones inside it.
    stop_starts: list[int] = field(default_factory=list)
    # Per target type, the modifiers that may apply to it and their starts (filled on demand).
    by_type: dict[str, tuple[list[Match], list[int]]] = field(default_factory=dict)


# Notes reuse a small vocabulary, so what a word does in the trie is cached on the rule set;
# the caches are cleared when they get large.
TOKEN_CACHE_SIZE = 50_000
# The trie walk as an automaton built as it is used (rules.Automaton): kept up to this many moves.
AUTOMATON_SIZE = 200_000


@cache
def _class_groups(count: int) -> tuple[str, ...]:
    """Return the names of the groups of `rules.classifier` for this many classes."""
    return tuple(f"c{k}" for k in range(count))


def token_classes_of(norm: str, rules: RuleSet) -> list[str]:
    """Return the keys ("<name>") of the token classes a word matches as a whole, in rule file order."""
    pattern = rules.classifier
    if pattern is None or not norm:  # (an empty group would read as no match)
        return [f"<{name}>" for name, rx in rules.token_classes if rx.fullmatch(norm)]
    return list(compress(rules.class_keys, pattern.match(norm).group(*_class_groups(len(rules.class_keys)))))


def token_entry(norm: str, rules: RuleSet) -> int:
    """Return the kind of a word for the trie walk (see `_find`): which phrases it may begin or continue.

    A word's keys are itself, its token classes and the wildcard; it starts a phrase from the
    root on every key, but continues one (or starts an anchored one) only on `walk_keys`. Words
    with the same keys there are the same kind, so most words share a few kinds.
    """
    entry = rules.token_cache.get(norm)
    if entry is None:
        keys = [norm]
        if len(norm) <= MAX_CLASSIFIED_TOKEN:
            keys.extend(token_classes_of(norm, rules))
        keys.append("*")
        root = rules.root.children
        signature = (tuple(k for k in keys if k in rules.walk_keys), tuple(k for k in keys if k in root))
        entry = rules.automaton.kind(signature)
        if len(rules.token_cache) >= TOKEN_CACHE_SIZE:
            rules.token_cache.clear()
        rules.token_cache[norm] = entry
    return entry


def _find(kinds: list[int], rules: RuleSet, work: Work) -> list[Match]:
    """Return every phrase of the trie found in a sentence, in order of start, then of end.

    The automaton reads each word once (see `rules.Automaton`). Phrases ending on a word come
    in order of start, so a stable sort by start gives the order in which walking the trie from
    each token in turn finds them, the order `_resolve` keeps equal spans in.
    """
    automaton = rules.automaton
    if automaton.size >= AUTOMATON_SIZE:
        automaton.clear()
    moves = automaton.moves
    found: list[Match] = []
    append = found.append
    state, steps = START, len(kinds)
    for end, kind in enumerate(kinds, start=1):
        move = moves[state].get(kind)
        if move is None:
            move = automaton.move(state, kind, rules.root, rules.anchored_root)
        state, ended, cost = move
        steps += cost
        if ended:  # (most words end no phrase)
            for length, is_target, rule in ended:
                append(_new(Match, (end - length, end, rule, is_target)))
    work.steps += steps
    found.sort(key=_START)
    return found


def _resolve(matches: list[Match], rules: RuleSet) -> list[Match]:
    """Keep the leftmost-longest matches of each group; equal spans are all kept."""
    target_groups, modifier_groups = rules.target_groups, rules.modifier_groups
    by_group: dict[str, list[Match]] = {}
    for m in matches:
        group = target_groups[m[2]] if m[3] else modifier_groups[m[2]]
        same = by_group.get(group)
        if same is None:
            by_group[group] = [m]
        else:
            same.append(m)
    if len(by_group) == len(matches):
        return matches  # one match per group, in the order of their groups
    kept: list[Match] = []
    for group_matches in by_group.values():
        if len(group_matches) == 1:
            kept.extend(group_matches)
            continue
        # Already in order of start; put the longest first among those that share a start.
        group_matches.sort(key=lambda m: (m.start, m.start - m.end))
        covered_to, last = -1, (-1, -1)
        for m in group_matches:
            if (m.start, m.end) == last or m.start >= covered_to:
                kept.append(m)
                covered_to = max(covered_to, m.end)
                last = (m.start, m.end)
    return kept


def match_sentence(tokens: Sequence[Token], rules: RuleSet, work: Work) -> SentenceMatches:
    """Find and resolve all targets, modifiers and terminators in a sentence."""
    return match_norms(list(map(_NORM, tokens)), rules, work)


def match_norms(norms: list[str], rules: RuleSet, work: Work) -> SentenceMatches:
    """Find and resolve the targets, modifiers and terminators of a sentence given as its words' forms.

    Matching reads only the normal forms; the checker gives a sentence's offsets only where it
    reports a finding.
    """
    kinds = list(map(rules.token_cache.get, norms))
    if None in kinds:  # (kinds are ints: `in` finds only a word not kept yet)
        kinds = [
            kind if kind is not None else token_entry(norm, rules)
            for kind, norm in zip(kinds, norms, strict=True)
        ]
    work.steps += len(norms)
    found = _find(kinds, rules, work)
    if not any(map(_IS_TARGET, found)):
        # Nothing for the checker to decide on: resolve the modifiers only if someone asks.
        return SentenceMatches([], [], [], {}, pending=found)
    matches = SentenceMatches([], [], [], {})
    _settle(matches, _resolve(found, rules), rules)
    return matches


def _settle(matches: SentenceMatches, kept: list[Match], rules: RuleSet) -> None:
    """Sort resolved matches into the sentence's targets, modifiers and terminators."""
    target_rules, modifier_rules = rules.targets, rules.modifiers
    targets: list[Match] = []
    modifiers: list[Match] = []
    stops_at: dict[int, frozenset[str]] = {}
    for m in kept:
        if m[3]:
            if not target_rules[m[2]].pseudo:
                targets.append(m)
            continue
        rule = modifier_rules[m[2]]
        direction = rule.direction
        if direction == "terminate":
            stops_at[m[0]] = stops_at.get(m[0], frozenset()) | rule.stops
        elif direction != "pseudo":
            modifiers.append(m)
    targets.sort(key=_START)
    modifiers.sort(key=_START)
    matches.targets = targets
    matches.modifiers = modifiers
    matches.modifier_starts = list(map(_START, modifiers))
    matches.stops_at = stops_at
    matches.stop_starts = sorted(stops_at)
    matches.by_type = {}
    matches.pending = None


def _stopped(kind: str, lo: int, hi: int, found: SentenceMatches, work: Work) -> bool:
    """Tell whether a terminator for kind starts in tokens [lo, hi)."""
    starts, stops_at = found.stop_starts, found.stops_at
    i = bisect_left(starts, lo)
    while i < len(starts) and starts[i] < hi:
        work.steps += 1
        stops = stops_at[starts[i]]
        if ALL in stops or kind in stops:
            return True
        i += 1
    return False


def reaches(rule: ModifierRule, mod: Match, start: int, end: int, found: SentenceMatches, work: Work) -> bool:
    """Tell whether a modifier reaches the target at tokens [start, end)."""
    direction, kind, scope = rule.direction, rule.kind, rule.scope
    forward = (
        direction in ("forward", "bidirectional")
        and mod.start <= start
        and start - mod.end < scope
        and not _stopped(kind, mod.end, start, found, work)
    )
    return forward or (
        direction in ("backward", "bidirectional")
        and mod.start >= start
        and mod.start - end < scope
        and not _stopped(kind, end, mod.start, found, work)
    )


def _for_type(
    found: SentenceMatches, target_type: str | None, rules: RuleSet
) -> tuple[list[Match], list[int]]:
    """Return the sentence's modifiers that may apply to a target type, and their starts."""
    if target_type is None:
        return found.modifiers, found.modifier_starts
    cached = found.by_type.get(target_type)
    if cached is None:
        mods = [
            m
            for m in found.modifiers
            if not (applies := rules.modifiers[m.rule].applies_to) or target_type in applies
        ]
        cached = found.by_type[target_type] = (mods, [m.start for m in mods])
    return cached


def applied_modifiers(
    found: SentenceMatches,
    start: int,
    end: int,
    target_type: str | None,
    rules: RuleSet,
    work: Work,
) -> list[Applied]:
    """Return the modifiers that reach the target at tokens [start, end), any span a caller names."""
    if found.pending is not None:
        _settle(found, _resolve(found.pending, rules), rules)
    modifiers, starts = _for_type(found, target_type, rules)
    # Only modifiers that start within the largest scope (plus a phrase) can reach the target.
    reach = rules.max_scope + rules.max_phrase
    lo = bisect_left(starts, start - reach)
    hi = bisect_right(starts, end + reach)
    applied: list[Applied] = []
    for mod in modifiers[lo:hi]:
        work.steps += 1
        rule = rules.modifiers[mod.rule]
        if reaches(rule, mod, start, end, found, work):
            applied.append(Applied(rule.kind, rule.id, mod.start, mod.end))
    return applied
