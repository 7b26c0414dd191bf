"""Load the rule file and compile its phrases into one token trie."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import product

from ethos.language.text import tokenize

RULES_FILE = "rules.toml"
DIRECTIONS = frozenset({"forward", "backward", "bidirectional", "terminate", "pseudo"})
SEVERITIES = ("low", "medium", "high")
# Token classes are only tried on tokens up to this length, so classifying a token costs a
# bounded amount of work whatever the regex and however long the token.
MAX_CLASSIFIED_TOKEN = 32
# The automaton's first state (see Automaton): the start of a sentence, where anchored phrases
# may begin.
START = 0
# Endings a "word~" stem may take in the rule file.
STEM_ENDINGS = ("", "s", "es", "ed", "d", "ing")


class RuleFileError(ValueError):
    """The rule file is malformed."""


@dataclass(frozen=True, slots=True)
class TargetRule:
    """A lexicon entry group naming things the checker looks for."""

    id: str
    type: str
    pseudo: bool


@dataclass(frozen=True, slots=True)
class ModifierRule:
    """A ConText modifier: a kind, a direction and a scope in tokens."""

    id: str
    kind: str
    direction: str
    scope: int
    applies_to: frozenset[str]
    stops: frozenset[str]


@dataclass(frozen=True, slots=True)
class DecisionRule:
    """How modifiers on a target decide whether a clause is flagged."""

    id: str
    clause: str
    category: str
    targets: frozenset[str]
    require: tuple[frozenset[str], ...]
    exclude: frozenset[str]
    unless: Mapping[str, frozenset[str]]
    downgrade: frozenset[str]
    severity: str
    reason: str
    reason_downgraded: str

    def excludes(self, kinds: frozenset[str]) -> bool:
        """Whether these modifiers rule the target out (negated, someone else's, ...)."""
        return any(not (self.unless.get(kind, frozenset()) & kinds) for kind in self.exclude & kinds)


@dataclass(slots=True)
class TrieNode:
    """A node of the phrase trie; `out` lists (is_target, rule index) for phrases ending here."""

    children: dict[str, TrieNode] = field(default_factory=dict)
    out: list[tuple[bool, int]] = field(default_factory=list)


class Automaton:
    """The phrase trie walked from every token at once, as states and moves made on demand.

    A state is the list of (depth, node) of every phrase under way, oldest start first; a move
    on a kind of word (its keys that continue a phrase, and those that start one) gives the next
    state and the phrases that end on that word, as (length, is_target, rule). Reading a word is
    then one look-up whatever the number of phrases under way; the first time a move is made it
    costs what walking the trie from every start costs. States and moves are a property of the
    rules and of the kinds of word seen, not of any note.
    """

    __slots__ = ("_ids", "kinds", "moves", "signatures", "size", "states")

    def __init__(self) -> None:
        self.kinds: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
        self.signatures: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        self.clear()

    def clear(self) -> None:
        """Forget every state but START and the empty state (1), and every move."""
        self.states: list[tuple[tuple[int, TrieNode], ...]] = [(), ()]
        self.moves: list[dict[int, tuple[int, tuple[tuple[int, bool, int], ...], int]]] = [{}, {}]
        # A state's number by its nodes (depth and id: the trie keeps the nodes alive).
        self._ids: dict[tuple[tuple[int, int], ...], int] = {(): 1}
        self.size = 0

    def kind(self, signature: tuple[tuple[str, ...], tuple[str, ...]]) -> int:
        """Return the number of a kind of word, given its walk keys and its start keys."""
        kind = self.kinds.get(signature)
        if kind is None:
            kind = self.kinds[signature] = len(self.signatures)
            self.signatures.append(signature)
        return kind

    def move(
        self, state: int, kind: int, root: TrieNode, anchored_root: TrieNode
    ) -> tuple[int, tuple[tuple[int, bool, int], ...], int]:
        """Make and keep the move from a state on a kind of word: (next state, phrases ended, steps)."""
        walk, start = self.signatures[kind]
        under_way = self.states[state]
        frontier = [
            (depth + 1, child)
            for depth, node in under_way
            for key in walk
            if (child := node.children.get(key))
        ]
        if start:
            children = root.children
            frontier += [(1, children[key]) for key in start]
        if state == START:
            anchored = anchored_root.children
            frontier.extend((1, anchored[key]) for key in walk if key in anchored)
        # (Lists made into tuples: a comprehension is quicker than a generator here.)
        ended = tuple(
            [(depth, is_target, rule) for depth, node in frontier if node.out for is_target, rule in node.out]
        )
        following = tuple([(depth, node) for depth, node in frontier if node.children])
        key = tuple([(depth, id(node)) for depth, node in following])
        target = self._ids.get(key)
        if target is None:
            target = self._ids[key] = len(self.states)
            self.states.append(following)
            self.moves.append({})
        result = (target, ended, len(under_way) * len(walk))
        self.moves[state][kind] = result
        self.size += 1
        return result


@dataclass(frozen=True, slots=True, eq=False)
class RuleSet:
    """The compiled rule file."""

    version: str
    token_classes: tuple[tuple[str, re.Pattern[str]], ...]
    targets: tuple[TargetRule, ...]
    modifiers: tuple[ModifierRule, ...]
    decisions: tuple[DecisionRule, ...]
    root: TrieNode
    anchored_root: TrieNode
    max_phrase: int
    max_scope: int
    target_groups: tuple[str, ...]
    modifier_groups: tuple[str, ...]
    by_target_type: Mapping[str, tuple[DecisionRule, ...]]
    # Keys that continue a phrase (below the root) or start an anchored one: a word's other
    # keys can only start phrases, so the walk never needs to try them.
    walk_keys: frozenset[str]
    # Every token class in one pattern, with the class keys ("<name>") in the same order: see
    # `classifier`. None when the classes cannot be joined (then each is tried on its own).
    classifier: re.Pattern[str] | None = None
    class_keys: tuple[str, ...] = ()
    # Per word: its kind for the automaton (see context.token_entry).
    token_cache: dict[str, int] = field(default_factory=dict)
    automaton: Automaton = field(default_factory=Automaton)


def _element_variants(element: str, classes: Mapping[str, object]) -> list[tuple[str, ...]]:
    """Return the token sequences one phrase element stands for."""
    optional = element.endswith("?") and len(element) > 1
    if optional:
        element = element[:-1]
    if element == "*":
        variants: list[tuple[str, ...]] = [("*",)]
    elif element.startswith("<") and element.endswith(">"):
        if element[1:-1] not in classes:
            raise RuleFileError(f"unknown token class {element}")
        variants = [(element,)]
    elif element.endswith("~"):
        stem = element[:-1]
        forms = {stem + ending for ending in STEM_ENDINGS}
        forms |= {stem + stem[-1] + "ed", stem + stem[-1] + "ing"}
        if stem.endswith("e"):
            forms.add(stem[:-1] + "ing")
        variants = [tuple(t.norm for t in tokenize(form)) for form in sorted(forms)]
    else:
        variants = [tuple(t.norm for t in tokenize(element))]
    return [*variants, ()] if optional else variants


def expand_phrase(phrase: str, classes: Mapping[str, object]) -> Iterator[tuple[bool, tuple]]:
    """Yield (anchored, token keys) for every variant a phrase of the rule file stands for."""
    elements = phrase.split()
    anchored = bool(elements) and elements[0] == "^"
    if anchored:
        elements = elements[1:]
    if not elements:
        raise RuleFileError(f"empty phrase {phrase!r}")
    for parts in product(*(_element_variants(e, classes) for e in elements)):
        keys = tuple(key for part in parts for key in part)
        if keys:
            yield anchored, keys


def _insert(root: TrieNode, keys: tuple[str, ...], payload: tuple[bool, int]) -> None:
    """Add one phrase to the trie."""
    node = root
    for key in keys:
        node = node.children.setdefault(key, TrieNode())
    if payload not in node.out:
        node.out.append(payload)


def _inner_keys(root: TrieNode) -> set[str]:
    """Return the keys of every node below the root of a trie."""
    keys: set[str] = set()
    stack = list(root.children.values())
    while stack:
        node = stack.pop()
        keys.update(node.children)
        stack.extend(node.children.values())
    return keys


def _modifier(entry: Mapping) -> ModifierRule:
    """Build a modifier rule from its table in the rule file."""
    direction = entry["direction"]
    if direction not in DIRECTIONS:
        raise RuleFileError(f"{entry['id']}: unknown direction {direction}")
    kind = "TERMINATE" if direction == "terminate" else entry["kind"]
    return ModifierRule(
        id=entry["id"],
        kind=kind,
        direction=direction,
        scope=int(entry.get("scope", 0)),
        applies_to=frozenset(entry.get("applies_to", ())),
        stops=frozenset(entry.get("stops", ("*",))),
    )


def _decision(entry: Mapping) -> DecisionRule:
    """Build a decision rule from its table in the rule file."""
    if entry["severity"] not in SEVERITIES:
        raise RuleFileError(f"{entry['id']}: unknown severity {entry['severity']}")
    return DecisionRule(
        id=entry["id"],
        clause=entry["clause"],
        category=entry["category"],
        targets=frozenset(entry["targets"]),
        require=tuple(frozenset(group) for group in entry.get("require", ())),
        exclude=frozenset(entry.get("exclude", ())),
        unless={k: frozenset(v) for k, v in entry.get("unless", {}).items()},
        downgrade=frozenset(entry.get("downgrade", ())),
        severity=entry["severity"],
        reason=entry["reason"],
        reason_downgraded=entry.get("reason_downgraded", entry["reason"]),
    )


def classifier(classes: Mapping[str, re.Pattern[str]]) -> re.Pattern[str] | None:
    """Return one pattern that tells at once which token classes a whole token matches.

    Class k is tried at the start as a look-ahead that must reach the end of the token, which is
    what `fullmatch` asks; its named group "c<k>" holds the token if it does and None if not, and
    the pattern as a whole always matches. Classifying a word is then one call instead of one per
    class. Classes with groups of their own (a back-reference would change meaning once renumbered)
    or flags of their own are left to be tried one by one: None.
    """
    if len(classes) < 2 or any(rx.groups or rx.flags != re.UNICODE for rx in classes.values()):
        return None
    try:
        return re.compile(
            "".join(f"(?=(?P<c{k}>(?:{rx.pattern})\\Z))?" for k, rx in enumerate(classes.values()))
        )
    except re.error:
        return None


def compile_rules(data: Mapping) -> RuleSet:
    """Compile the parsed rule file into a RuleSet."""
    classes = {name: re.compile(rx) for name, rx in data.get("token_classes", {}).items()}
    root, anchored_root = TrieNode(), TrieNode()
    max_phrase = 0
    seen_ids: set[str] = set()

    def add(entries: list[Mapping], is_target: bool, start: int) -> None:
        nonlocal max_phrase
        for offset, entry in enumerate(entries):
            if entry["id"] in seen_ids:
                raise RuleFileError(f"duplicate rule id {entry['id']}")
            seen_ids.add(entry["id"])
            for phrase in entry["phrases"]:
                for anchored, keys in expand_phrase(phrase.lower(), classes):
                    _insert(anchored_root if anchored else root, keys, (is_target, start + offset))
                    max_phrase = max(max_phrase, len(keys))

    target_entries = data["target"]
    modifier_entries = data["modifier"]
    targets = tuple(TargetRule(e["id"], e["type"], bool(e.get("pseudo", False))) for e in target_entries)
    modifiers = tuple(_modifier(e) for e in modifier_entries)
    add(target_entries, True, 0)
    add(modifier_entries, False, 0)
    decisions = tuple(_decision(e) for e in data["rule"])
    for rule in decisions:
        if rule.id in seen_ids:
            raise RuleFileError(f"duplicate rule id {rule.id}")
        seen_ids.add(rule.id)
    return RuleSet(
        version=str(data.get("meta", {}).get("version", "0")),
        token_classes=tuple(classes.items()),
        classifier=classifier(classes),
        class_keys=tuple(f"<{name}>" for name in classes),
        targets=targets,
        modifiers=modifiers,
        decisions=decisions,
        root=root,
        anchored_root=anchored_root,
        max_phrase=max_phrase,
        max_scope=max((m.scope for m in modifiers), default=0),
        # Overlaps are resolved within a group: one target type, or one modifier kind.
        target_groups=tuple("T:" + t.type for t in targets),
        modifier_groups=tuple("M:" + m.kind for m in modifiers),
        by_target_type={t.type: tuple(d for d in decisions if t.type in d.targets) for t in targets},
        walk_keys=frozenset(_inner_keys(root) | _inner_keys(anchored_root) | set(anchored_root.children)),
    )


@cache
def load_rules() -> RuleSet:
    """Load and compile the packaged rule file once."""
    text = resources.files("ethos.language").joinpath(RULES_FILE).read_text(encoding="utf-8")
    return compile_rules(tomllib.loads(text))
