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
from collections.abc import Iterable, Sequence, Sized
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import chain

from ethos.language.context import SentenceMatches
from ethos.language.rules import RuleSet
from ethos.language.text import Token

MODEL_FILE = "model.json"
WORD_RE = re.compile(r"\w", re.ASCII)
DIGITS_RE = re.compile(r"\d+")
# Character n-grams are taken from words up to this length only, so the work per word is bounded.
MAX_CHAR_WORD = 24
# Words whose features the model keeps at hand (see `Model.sentence_scores`).
WORD_CACHE_SIZE = 50_000


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

    def as_dict(self) -> dict:
        """Return the settings as plain data."""
        return {
            "bigrams": self.bigrams,
            "char_max": self.char_max,
            "char_min": self.char_min,
            "gate": self.gate,
            "rule_features": self.rule_features,
        }


def features(
    tokens: Sequence[Token], found: SentenceMatches | None, rules: RuleSet | None, config: FeatureConfig
) -> dict[str, tuple[int, int]]:
    """Return the features of a sentence, each with the token span of its first occurrence."""
    out: dict[str, tuple[int, int]] = {}
    words = [(i, t.norm) for i, t in enumerate(tokens) if WORD_RE.search(t.norm)]
    previous: tuple[int, str] | None = None
    low, high = config.char_min, config.char_max
    for i, norm in words:
        s = stem(norm)
        out.setdefault("w:" + s, (i, i + 1))
        if config.bigrams:
            if previous is None:
                out.setdefault("b:^ " + s, (i, i + 1))
            else:
                out.setdefault(f"b:{previous[1]} {s}", (previous[0], i + 1))
        previous = (i, s)
        if high and len(norm) <= MAX_CHAR_WORD:
            padded = f"<{DIGITS_RE.sub('0', norm)}>"
            for n in range(low, high + 1):
                for k in range(len(padded) - n + 1):
                    out.setdefault("c:" + padded[k : k + n], (i, i + 1))
    if config.rule_features and found is not None and rules is not None:
        matches = found.pending if found.pending is not None else [*found.targets, *found.modifiers]
        for m in matches:
            if m.is_target:
                target = rules.targets[m.rule]
                if not target.pseudo:
                    out.setdefault("t:" + target.type, (m.start, m.end))
            else:
                modifier = rules.modifiers[m.rule]
                if modifier.direction not in ("pseudo", "terminate"):
                    out.setdefault("m:" + modifier.kind, (m.start, m.end))
    return out


def _word_features(norm: str, low: int, high: int) -> tuple[str, str, tuple[str, ...]]:
    """Return a word's stem, its word feature and its character n-gram features, in order.

    `Model._word` keeps the answer per word: notes repeat their words.
    """
    s = stem(norm)
    grams: tuple[str, ...] = ()
    if high and len(norm) <= MAX_CHAR_WORD:
        padded = f"<{DIGITS_RE.sub('0', norm)}>"
        grams = tuple(
            "c:" + padded[k : k + n] for n in range(low, high + 1) for k in range(len(padded) - n + 1)
        )
    return s, "w:" + s, grams


def _rule_features(found: SentenceMatches, rules: RuleSet) -> list[str]:
    out = []
    matches = found.pending if found.pending is not None else [*found.targets, *found.modifiers]
    for m in matches:
        if m.is_target:
            target = rules.targets[m.rule]
            if not target.pseudo:
                out.append("t:" + target.type)
        else:
            modifier = rules.modifiers[m.rule]
            if modifier.direction not in ("pseudo", "terminate"):
                out.append("m:" + modifier.kind)
    return out


def clauses_seen(found: SentenceMatches, rules: RuleSet) -> frozenset[str]:
    """Return the clauses for which the rules found a target in the sentence."""
    clauses: set[str] = set()
    for m in found.targets:
        for rule in rules.by_target_type[rules.targets[m.rule].type]:
            clauses.add(rule.clause)
    return frozenset(clauses)


@dataclass(frozen=True, slots=True)
class Model:
    """Weights per feature, and a bias and a threshold (as a score) per clause."""

    clauses: tuple[str, ...]
    bias: tuple[float, ...]
    cutoff: tuple[float, ...]
    weights: dict[str, tuple[tuple[int, float], ...]]
    config: FeatureConfig
    # The same weights as rows of every clause's weight (0.0 where it has none): row k+1 is
    # feature k's, row 0 is all zeros for the features the model never saw; `index` gives a
    # feature's row. Filled by `from_data`.
    index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    rows: tuple[tuple[float, ...], ...] = field(default=(), repr=False, compare=False)

    # Per word, its features and their rows (see `sentence_scores`); cleared when it gets large.
    words: dict[str, tuple[str, str, int, tuple[str, ...], tuple[int, ...]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def _word(self, norm: str) -> tuple[str, str, int, tuple[str, ...], tuple[int, ...]]:
        """Return a word's stem, word feature and its row, its character n-grams and their rows."""
        entry = self.words.get(norm)
        if entry is None:
            config = self.config
            s, word, grams = _word_features(norm, config.char_min, config.char_max)
            get = self.index.get
            entry = (s, word, get(word, 0), grams, tuple(k for g in grams if (k := get(g))))
            if len(self.words) >= WORD_CACHE_SIZE:
                self.words.clear()
            self.words[norm] = entry
        return entry

    def sentence_scores(
        self, tokens: Sequence[Token], found: SentenceMatches | None, rules: RuleSet | None
    ) -> tuple[list[float], int]:
        """Return the scores of a sentence and its number of features, as `scores(features(...))`.

        The checker's path. Each word's features and their rows are looked up once per process;
        a sentence then needs one `dict.fromkeys` over its feature names, for their number, and
        one over the rows of the known ones, for which to add: the first occurrence of each, in
        the order of the features, as `scores` adds them. A test holds the two paths equal.
        """
        config, get = self.config, self.index.get
        names: list[Iterable[str]] = []
        rows: list[Iterable[int]] = []
        previous: str | None = None
        for t in tokens:
            norm = t.norm
            if not WORD_RE.search(norm):
                continue
            s, word, word_row, grams, gram_rows = self._word(norm)
            if config.bigrams:
                bigram = "b:^ " + s if previous is None else f"b:{previous} {s}"
                names.append((word, bigram))
                rows.append((word_row, get(bigram, 0)))
            else:
                names.append((word,))
                rows.append((word_row,))
            previous = s
            names.append(grams)
            rows.append(gram_rows)
        if config.rule_features and found is not None and rules is not None:
            extra = _rule_features(found, rules)
            names.append(extra)
            rows.append([get(f, 0) for f in extra])
        count = len(dict.fromkeys(chain.from_iterable(names)))
        if not count:
            return list(self.bias), 0
        # Row 0 (an unknown feature) is zeros: dropping it changes no sum.
        known = dict.fromkeys(chain.from_iterable(rows))
        known.pop(0, None)
        return self._scaled(map(self.rows.__getitem__, known), count), count

    def _scaled(self, rows: Iterable[tuple[float, ...]], count: int) -> list[float]:
        """Add the rows clause by clause in C (`sum` over `zip`, in their order) and scale them.

        Each feature counts 1/sqrt(the number of features of the sentence), as in training.
        """
        total = [sum(column) for column in zip(*rows, strict=True)] or [0.0] * len(self.bias)
        scale = 1 / math.sqrt(count) if count else 0.0
        return [b + t * scale for b, t in zip(self.bias, total, strict=True)]

    def scores(self, feats: Iterable[str]) -> list[float]:
        """Return the raw score (log-odds) of every clause for a sentence's features.

        The rows of the features are added in the order of the features: the same additions in
        the same order as adding each weight in turn, and the same result to the bit, since adding
        0.0 changes nothing.
        """
        names = feats if isinstance(feats, Sized) else tuple(feats)
        get = self.index.get
        return self._scaled((self.rows[k] for f in names if (k := get(f))), len(names))

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
        k = self.clauses.index(clause)
        best, span = 0.0, None
        for f, where in feats.items():
            if f[0] not in "wbc":
                continue
            for j, w in self.weights.get(f, ()):
                if j == k and w > best:
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
    return Model(
        clauses=clauses,
        bias=tuple(data["bias"][c] for c in clauses),
        cutoff=tuple(logit(t) if 0 < (t := data["threshold"][c]) < 1 else math.inf for c in clauses),
        weights=weights,
        config=FeatureConfig(**data["features"]),
        index={f: k for k, f in enumerate(weights, start=1)},
        rows=_rows(weights.values(), len(clauses)),
    )


def _rows(entries: Iterable[tuple[tuple[int, float], ...]], size: int) -> tuple[tuple[float, ...], ...]:
    """Return the weights as rows after a first row of zeros (see `Model.index`)."""
    rows = [(0.0,) * size]
    for entry in entries:
        row = [0.0] * size
        for k, w in entry:
            row[k] = w
        rows.append(tuple(row))
    return tuple(rows)


@cache
def load_model() -> Model | None:
    """Load the packaged model once; None when there is no model file."""
    path = resources.files("ethos.language").joinpath(MODEL_FILE)
    if not path.is_file():
        return None
    return from_data(json.loads(path.read_text(encoding="utf-8")))
