"""The learned layer: a small linear model that catches paraphrases the rules do not anticipate.

The rules are precise but only know the phrasings they were written for; a writer they were
never tuned on says the same thing in other words. This layer is one logistic regression per
clause over the words of a sentence (light-stemmed unigrams and bigrams), the character
n-grams of its words, and what the rules themselves found in it: the target types they
matched and the modifier kinds (negation, someone else, history, hypothesis ...) they saw,
so it learns the rules' hard negatives as well as their positives.

It only adds: `checker.check` asks it about a clause only for a sentence the rules did not
flag for that clause, and it flags when the clause's score passes the threshold chosen for
it in training (`ethos.language.train`). The weights ship as `model.json` next to the rules;
nothing is downloaded and nothing leaves the machine. Scoring a sentence is a few dictionary
look-ups per feature: tens of microseconds.
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Callable, Iterable, Sequence, Sized
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

from ethos.language.context import SentenceMatches, Work, applied_modifiers
from ethos.language.rules import RuleSet
from ethos.language.text import Token

MODEL_FILE = "model.json"
WORD_RE = re.compile(r"\w", re.ASCII)
DIGITS_RE = re.compile(r"\d+")
# Character n-grams are taken from words up to this length only, so the work per word is bounded.
MAX_CHAR_WORD = 24
# Words whose features the model keeps at hand (see `Model.sentence_scores`).
WORD_CACHE_SIZE = 50_000
# The weights of model.json are rounded to this many decimals (train.DIGITS), so the model adds
# them as whole numbers of 1/UNITS (see `Model.packed`).
WEIGHT_DIGITS = 3
UNITS = 10**WEIGHT_DIGITS


def stem(word: str) -> str:
    """Return a light stem: digits folded, a possessive and a common ending stripped."""
    word = DIGITS_RE.sub("0", word)
    if word.endswith("'s"):
        word = word[:-2]
    for ending, keep in (("ing", 4), ("ies", 3), ("ed", 4), ("es", 4), ("ly", 4), ("s", 3)):
        if word.endswith(ending) and len(word) - len(ending) >= keep:
            if ending == "s" and word.endswith("ss"):
                break
            return word[: -len(ending)] + ("y" if ending == "ies" else "")
    return word


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Which features the model reads (saved with the weights so training and use agree)."""

    bigrams: bool = True
    char_min: int = 3
    char_max: int = 5
    rule_features: bool = True
    # Leave a clause alone in a sentence where the rules found one of its targets and decided
    # (by its modifiers) not to flag it: the model only speaks where the rules saw nothing.
    gate: bool = True
    # Clauses for which only a modifier that rules a target out (negated, someone else's,
    # hypothetical, ...) closes the gate, not a target the rules passed over for want of a word
    # they require. S2 (the client's own risk to life): its rules pass over a means named without
    # a thought of using it, and about a third of the S2 lines that held-out writers' batches
    # missed were passed over so (GUIDELINES.md, 2026-12-03). For a safety clause the layer's
    # second opinion there is worth the few false alarms it costs.
    ungated: tuple[str, ...] = ("S2",)

    def __post_init__(self) -> None:
        # model.json holds a list; a tuple keeps the settings hashable and comparable.
        object.__setattr__(self, "ungated", tuple(self.ungated))

    def as_dict(self) -> dict:
        """Return the settings as plain data."""
        return {
            "bigrams": self.bigrams,
            "char_max": self.char_max,
            "char_min": self.char_min,
            "gate": self.gate,
            "rule_features": self.rule_features,
            "ungated": list(self.ungated),
        }


def features(
    tokens: Sequence[Token], found: SentenceMatches | None, rules: RuleSet | None, config: FeatureConfig
) -> dict[str, tuple[int, int]]:
    """Return the features of a sentence, each with the token span of its first occurrence."""
    out: dict[str, tuple[int, int]] = {}
    previous: tuple[int, str] | None = None
    low, high = config.char_min, config.char_max
    for i, t in enumerate(tokens):
        if not WORD_RE.search(t.norm):
            continue
        s, word, grams = _word_features(t.norm, low, high)
        out.setdefault(word, (i, i + 1))
        if config.bigrams:
            if previous is None:
                out.setdefault("b:^ " + s, (i, i + 1))
            else:
                out.setdefault(f"b:{previous[1]} {s}", (previous[0], i + 1))
        previous = (i, s)
        for gram in grams:
            out.setdefault(gram, (i, i + 1))
    if config.rule_features and found is not None and rules is not None:
        matches = found.pending if found.pending is not None else [*found.targets, *found.modifiers]
        targets, modifiers = _rule_feature_names(rules)
        for m in matches:
            name = (targets if m.is_target else modifiers)[m.rule]
            if name is not None:
                out.setdefault(name, (m.start, m.end))
    return out


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _word_features(norm: str, low: int, high: int) -> tuple[str, str, tuple[str, ...]]:
    """Return a word's stem, its word feature and its character n-gram features, in order.

    Kept per word: notes repeat their words.
    """
    s = stem(norm)
    grams: tuple[str, ...] = ()
    if high and len(norm) <= MAX_CHAR_WORD:
        padded = f"<{DIGITS_RE.sub('0', norm)}>"
        grams = tuple(
            ["c:" + padded[k : k + n] for n in range(low, high + 1) for k in range(len(padded) - n + 1)]
        )
    return s, "w:" + s, grams


def rule_features(found: SentenceMatches, rules: RuleSet) -> list[str]:
    """Return the names of what the rules found in a sentence: target types and modifier kinds."""
    matches = found.pending if found.pending is not None else [*found.targets, *found.modifiers]
    targets, modifiers = _rule_feature_names(rules)
    return [name for m in matches if (name := (targets if m.is_target else modifiers)[m.rule]) is not None]


@cache
def _rule_feature_names(rules: RuleSet) -> tuple[tuple[str | None, ...], tuple[str | None, ...]]:
    """Return per target rule and per modifier rule the feature a match of it gives (None: none).

    A pseudo target gives none, nor does a pseudo modifier or a terminator.
    """
    targets = tuple(None if t.pseudo else "t:" + t.type for t in rules.targets)
    modifiers = tuple(
        None if m.direction in ("pseudo", "terminate") else "m:" + m.kind for m in rules.modifiers
    )
    return targets, modifiers


def clauses_seen(
    found: SentenceMatches, rules: RuleSet, ungated: tuple[str, ...] = (), work: Work | None = None
) -> frozenset[str]:
    """Return the clauses the gate leaves to the rules in this sentence (see FeatureConfig.gate).

    A clause is the rules' when they found one of its targets, except an `ungated` clause: that
    one is theirs only when a modifier ruled its target out (negated, someone else's,
    hypothetical, in the past, ...). A target the rules passed over only for want of a word
    they require (a means named with no thought of using it) leaves the model free to judge.
    """
    clauses: set[str] = set()
    for m in found.targets:
        target_type = rules.targets[m.rule].type
        kinds = None
        for rule in rules.by_target_type[target_type]:
            if rule.clause in clauses:
                continue
            if rule.clause in ungated:
                if kinds is None:
                    applied = applied_modifiers(found, m.start, m.end, target_type, rules, work or Work())
                    kinds = frozenset(a.kind for a in applied)
                if not rule.excludes(kinds):
                    continue
            clauses.add(rule.clause)
    return frozenset(clauses)


class _Words(dict):
    """Per word, its stem, its word and character n-gram features with their packed weights (0 for
    one the model does not know), and its bigrams by the stem before it (see `_bigram`); () for a
    token with no word character. Filled on demand, and cleared when it gets large.
    """

    __slots__ = ("high", "low", "packed")

    def __init__(self, low: int, high: int, packed: dict[str, int]) -> None:
        super().__init__()
        self.low, self.high, self.packed = low, high, packed

    def __missing__(self, norm: str) -> WordEntry | tuple[()]:
        entry: WordEntry | tuple[()] = ()
        if WORD_RE.search(norm):
            s, word, grams = _word_features(norm, self.low, self.high)
            get = self.packed.get
            names = (word, *grams)
            entry = (s, dict(zip(names, map(get, names, repeat(0)), strict=True)), {})
        if len(self) >= WORD_CACHE_SIZE:
            self.clear()
        self[norm] = entry
        return entry


# A word's stem, features and bigrams by the stem before it (see `_Words`).
WordEntry = tuple[str, dict[str, int], dict[str, tuple[str, int]]]
# A word keeps at most this many bigrams (by the stem before it) at hand.
BIGRAMS_PER_WORD = 1_000


def _bigram(
    bigrams: dict[str, tuple[str, int]], previous: str, s: str, get: Callable[[str, int], int]
) -> tuple[str, int]:
    """Return and keep a word's bigram after `previous` (a stem, or "^"): its name and packed weights."""
    name = f"b:{previous} {s}"
    if len(bigrams) >= BIGRAMS_PER_WORD:
        bigrams.clear()
    bigrams[previous] = entry = (name, get(name, 0))
    return entry


_NORM = itemgetter(0)


class Packing(NamedTuple):
    """How a feature's weights for every clause are packed into one integer (see `Model.packed`)."""

    width: int  # bits per clause
    offset: int  # half of a field's range in every field: it makes every field non-negative
    half: int
    unpack: Callable[[bytes], tuple[int, ...]]
    size: int  # bytes for all the fields


def packing(bound: int, clauses: int) -> Packing:
    """Return the packing for clauses whose sums of weights (in units) stay within +-bound."""
    width = 32 if bound < 2**31 else 64
    if bound >= 2**63:
        raise ValueError("model weights too large to pack")
    half = 1 << (width - 1)
    offset = sum(half << (width * k) for k in range(clauses))
    code = "I" if width == 32 else "Q"
    return Packing(width, offset, half, struct.Struct(f"<{clauses}{code}").unpack, width // 8 * clauses)


@dataclass(frozen=True, slots=True)
class Model:
    """Weights per feature, and a bias and a threshold (as a score) per clause."""

    clauses: tuple[str, ...]
    bias: tuple[float, ...]
    cutoff: tuple[float, ...]
    weights: dict[str, tuple[tuple[int, float], ...]]
    config: FeatureConfig
    # Every weight in model.json is a whole number of 1/UNITS (train.py rounds them so), and a
    # feature's weights, as integers of those units, are packed into one integer: clause k's in
    # bits [k * width, (k + 1) * width). Adding the packed integers of a sentence's features adds
    # the weights of every clause at once, exactly, in any order. Filled by `from_data`.
    packed: dict[str, int] = field(repr=False, compare=False)
    packing: Packing = field(repr=False, compare=False)
    # Per clause, the word, bigram and character n-gram features that weigh for it (see `evidence`).
    positive: tuple[dict[str, float], ...] = field(repr=False, compare=False)
    # Per word, its stem and feature names (see `sentence_scores`).
    words: _Words = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", _Words(self.config.char_min, self.config.char_max, self.packed))

    def sentence_scores(
        self, tokens: Sequence[Token], found: SentenceMatches | None, rules: RuleSet | None
    ) -> tuple[list[float], int]:
        """Return the scores of a sentence and its number of features, as `scores(features(...))`.

        The checker's path (through `sentence_features`). Each word's features and bigrams, with
        their packed weights, are worked out once per process (see `_Words`); a sentence then
        gathers its words' features, their bigrams and what the rules found, each once, and adds
        their packed weights. A test holds the two paths equal.
        """
        feats, _ = self.sentence_features(tokens, found, rules)
        return self.packed_scores(feats)

    def packed_scores(self, feats: dict[str, int]) -> tuple[list[float], int]:
        """Return the scores of a sentence's features given with their packed weights, and their number."""
        count = len(feats)
        return self._scaled(sum(feats.values()), count), count

    def sentence_features(
        self, tokens: Sequence[Token], found: SentenceMatches | None, rules: RuleSet | None
    ) -> tuple[dict[str, int], int]:
        """Return a sentence's features, each once with its packed weights, and its number of words."""
        return self.norm_features(map(_NORM, tokens), found, rules)

    def norm_features(
        self, norms: Iterable[str], found: SentenceMatches | None, rules: RuleSet | None
    ) -> tuple[dict[str, int], int]:
        """Return `sentence_features` for a sentence given as its tokens' normal forms."""
        config, get = self.config, self.packed.get
        # Each feature once, with its packed weights: a dict update per word, not per feature.
        feats: dict[str, int] = {}
        update = feats.update
        previous = "^"
        words = 0
        for entry in map(self.words.__getitem__, norms):
            if not entry:
                continue
            words += 1
            s, own, bigrams = entry
            update(own)
            if config.bigrams:
                bigram = bigrams.get(previous)
                if bigram is None:
                    bigram = _bigram(bigrams, previous, s, get)
                feats[bigram[0]] = bigram[1]
            previous = s
        if config.rule_features and found is not None and rules is not None:
            extra = rule_features(found, rules)
            feats.update(zip(extra, map(get, extra, repeat(0)), strict=True))
        return feats, words

    def _scaled(self, total: int, count: int) -> list[float]:
        """Unpack the summed weights per clause and scale them.

        Each feature counts 1/sqrt(the number of features of the sentence), as in training.
        """
        if not count:
            return list(self.bias)
        packing = self.packing
        half = packing.half
        fields = packing.unpack((total + packing.offset).to_bytes(packing.size, "little"))
        scale = 1 / math.sqrt(count)
        return [b + (f - half) / UNITS * scale for b, f in zip(self.bias, fields, strict=True)]

    def scores(self, feats: Iterable[str]) -> list[float]:
        """Return the raw score (log-odds) of every clause for a sentence's (distinct) features.

        Each clause's weights are added exactly, as integers of 1/UNITS (see `packed`): the sum
        of the weights as written in model.json, rounded once when it is scaled.
        """
        names = feats if isinstance(feats, Sized) else tuple(feats)
        return self._scaled(sum(filter(None, map(self.packed.get, names))), len(names))

    def flagged(self, feats: Iterable[str]) -> list[tuple[str, float]]:
        """Return (clause, probability) for the clauses whose score passes their threshold."""
        return self.passing(self.scores(feats))

    def passing(self, scores: Sequence[float]) -> list[tuple[str, float]]:
        """Return (clause, probability) for the clauses whose score passes their threshold."""
        return [
            (clause, 1 / (1 + math.exp(-s)))
            for clause, s, cut in zip(self.clauses, scores, self.cutoff, strict=True)
            if s > cut
        ]

    def evidence(self, feats: dict[str, tuple[int, int]], clause: str) -> tuple[int, int] | None:
        """Return the token span of the word feature that weighs most for a clause, if any."""
        get = self.positive[self.clauses.index(clause)].get
        best, span = 0.0, None
        for f, where in feats.items():
            w = get(f)
            if w is not None and w > best:
                best, span = w, where
        return span


def logit(p: float) -> float:
    """Return log(p / (1 - p)), the score a probability threshold stands for."""
    return math.log(p / (1 - p))


def from_data(data: dict) -> Model:
    """Build a model from the plain data of model.json."""
    clauses = tuple(data["clauses"])
    index = {c: i for i, c in enumerate(clauses)}
    weights = {
        f: tuple((index[c], w) for c, w in sorted(per.items(), key=lambda cw: index[cw[0]]))
        for f, per in data["weights"].items()
    }
    units = {f: [(k, _units(f, w)) for k, w in entry] for f, entry in weights.items()}
    bound = max(sum(abs(u) for entry in units.values() for k, u in entry if k == j) for j in index.values())
    pack = packing(bound, len(clauses))
    packed = {f: sum(u << (pack.width * k) for k, u in entry) for f, entry in units.items()}
    return Model(
        clauses=clauses,
        bias=tuple(data["bias"][c] for c in clauses),
        cutoff=tuple(logit(t) if 0 < (t := data["threshold"][c]) < 1 else math.inf for c in clauses),
        weights=weights,
        config=FeatureConfig(**data["features"]),
        packed=packed,
        packing=pack,
        positive=tuple(
            {f: w for f, entry in weights.items() if f[0] in "wbc" for j, w in entry if j == k and w > 0}
            for k in range(len(clauses))
        ),
    )


def _units(feature: str, weight: float) -> int:
    """Return a weight as a whole number of 1/UNITS, refusing one that is not."""
    units = round(weight * UNITS)
    if units / UNITS != weight:
        raise ValueError(f"{feature}: weight {weight} is not a multiple of 1/{UNITS}")
    return units


@cache
def load_model() -> Model | None:
    """Load the packaged model once; None when there is no model file."""
    path = resources.files("ethos.language").joinpath(MODEL_FILE)
    if not path.is_file():
        return None
    return from_data(json.loads(path.read_text(encoding="utf-8")))
