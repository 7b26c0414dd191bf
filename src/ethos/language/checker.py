"""Check a note: apply the decision rules to every target and report findings.

Then the learned layer (`ethos.language.model`) reads every sentence for the clauses the rules
did not flag in it, and adds a finding (rule id "model.<clause>") when its score for a clause
passes that clause's threshold. It only adds, never removes, and gives at most one finding per
clause per sentence; its severity is one step below the clause's rules, except for S2 and C3,
where a missed case costs most.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from operator import itemgetter

from ethos.language.context import (
    Applied,
    Match,
    SentenceMatches,
    Work,
    applied_modifiers,
    match_norms,
    match_sentence,
)
from ethos.language.model import Model, clauses_seen, features, load_model, rule_features
from ethos.language.rules import SEVERITIES, DecisionRule, RuleSet, load_rules
from ethos.language.text import (
    TOKEN_RE,
    Sentence,
    Token,
    ascii_norms,
    note_lowered,
    sentence_at,
    sentence_bounds,
    tokenize,
)


@dataclass(frozen=True, slots=True)
class Finding:
    """A prompt for the coach: a passage of a note that may touch a clause."""

    clause: str
    category: str
    sentence: str
    start: int
    end: int
    evidence: str
    modifiers: tuple[str, ...]
    rule_id: str
    severity: str
    reason: str

    def as_dict(self) -> dict:
        """Return the finding as plain data for JSON."""
        data = asdict(self)
        data["modifiers"] = list(self.modifiers)
        return data


def _lower(severity: str) -> str:
    """Return the severity one step lower (low stays low)."""
    return SEVERITIES[max(0, SEVERITIES.index(severity) - 1)]


def decide(rule: DecisionRule, kinds: frozenset[str]) -> tuple[str, str] | None:
    """Return (severity, reason) if the rule flags a target with these modifiers, else None."""
    if any(not (group & kinds) for group in rule.require):
        return None
    if rule.excludes(kinds):
        return None
    if rule.downgrade & kinds:
        return _lower(rule.severity), rule.reason_downgraded
    return rule.severity, rule.reason


@lru_cache(maxsize=4096)
def _verdicts(
    rules: RuleSet, target_type: str, kinds: frozenset[str]
) -> tuple[tuple[DecisionRule, str, int, str], ...]:
    """Return (rule, severity, its rank, reason) for each rule that flags a target of this type
    with these modifiers: a property of the rules alone, so it is kept per type and kinds.
    """
    out = []
    for rule in rules.by_target_type[target_type]:
        verdict = decide(rule, kinds)
        if verdict is not None:
            severity, reason = verdict
            out.append((rule, severity, SEVERITIES.index(severity), reason))
    return tuple(out)


def _sentence_findings(
    text: str, sentence: Sentence, found: SentenceMatches, rules: RuleSet, work: Work
) -> list[Finding]:
    """Return the findings of one sentence, at most one per clause (the most severe)."""
    best = _rule_verdicts(found, rules, work)
    spans = [(t.start, t.end) for t in sentence.tokens]
    return _rule_findings(text, sentence.start, sentence.end, spans, best) if best else []


# Per clause, the first of its most severe verdicts in a sentence: (rank, rule, severity, reason,
# target, kinds).
Verdicts = dict[str, tuple[int, DecisionRule, str, str, Match, frozenset[str]]]


def _rule_verdicts(found: SentenceMatches, rules: RuleSet, work: Work) -> Verdicts:
    """Return per clause the rules' verdict on a sentence: what `_rule_findings` reports."""
    best: Verdicts = {}
    targets, by_target_type = rules.targets, rules.by_target_type
    for target in found.targets:
        target_type = targets[target.rule].type
        if not by_target_type[target_type]:
            continue
        applied = applied_modifiers(found, target.start, target.end, target_type, rules, work)
        kinds = frozenset(a.kind for a in applied)
        for rule, severity, rank, reason in _verdicts(rules, target_type, kinds):
            current = best.get(rule.clause)
            if current is None or rank > current[0]:
                best[rule.clause] = (rank, rule, severity, reason, target, kinds)
    return best


def _rule_findings(
    text: str, sentence_start: int, sentence_end: int, spans: Sequence[tuple[int, int]], best: Verdicts
) -> list[Finding]:
    """Return the findings of the rules' verdicts on the sentence at (start, end) of text, whose
    tokens are at these (start, end) character spans.
    """
    text_of_sentence = text[sentence_start:sentence_end]
    out = []
    for _, rule, severity, reason, target, kinds in best.values():
        start, end = spans[target.start][0], spans[target.end - 1][1]
        out.append(
            Finding(
                clause=rule.clause,
                category=rule.category,
                sentence=text_of_sentence,
                start=start,
                end=end,
                evidence=text[start:end],
                modifiers=tuple(sorted(kinds)),
                rule_id=rule.id,
                severity=severity,
                reason=reason,
            )
        )
    return out


# What the learned layer says the sentence reads like, and what the coach should check.
MODEL_REASONS = {
    "S1": ("active addiction or self-harm", "it is happening now; consider a scope review and a referral"),
    "S2": (
        "suicidal thinking, a wish to be dead or a plan",
        "it is the client's and current; if so, follow the crisis protocol",
    ),
    "S3": ("the client being under the influence in the session", "the session should be rescheduled"),
    "S7": ("a diagnosis", "it is your own assessment rather than the client's words or a clinician's"),
    "S8": (
        "advice about psychotropic medication",
        "the advice is yours; send such questions to the prescriber",
    ),
    "C3": (
        "abuse or neglect of a child, an elder or a dependent person",
        "it is current; a mandatory report may be required",
    ),
    "P4": (
        "a judgement of the client or their beliefs",
        "the words are yours; describe what happened instead",
    ),
    "P7": ("contact with the client outside coaching", "you promoted or accepted it; log it if so"),
    "P8": ("romantic or sexual involvement on your side", "it is so; take it to supervision"),
    "P9": ("money or goods passing between you and the client", "it goes beyond the coaching fee"),
}
# The model keeps the full severity of these clauses: a missed case costs more than a prompt.
MODEL_FULL_SEVERITY = frozenset({"S2", "C3"})
# The learned layer reads sentences of at least this many words. Its weights are scaled by the
# number of a sentence's features, so in a fragment of one or two words a single word weighs
# enough to flag a clause on its own ("Words." read as S2); what a fragment that short says
# about a clause ("Suicidal.") is the rules' to find.
MODEL_MIN_WORDS = 3


@cache
def _clause_info(rules: RuleSet) -> dict[str, tuple[str, str]]:
    """Return per clause its category and the highest severity its rules give."""
    info: dict[str, tuple[str, str]] = {}
    for rule in rules.decisions:
        current = info.get(rule.clause)
        if current is None or SEVERITIES.index(rule.severity) > SEVERITIES.index(current[1]):
            info[rule.clause] = (rule.category, rule.severity)
    return info


def _model_findings(
    text: str,
    sentence: SentenceAt,
    found: SentenceMatches,
    rules: RuleSet,
    model: Model,
    done: set[str],
    work: Work,
) -> list[Finding]:
    """Return the learned layer's findings for the clauses the rules left alone in a sentence."""
    packed, words = model.norm_features(sentence.norms, found, rules)
    if words < MODEL_MIN_WORDS:
        return []
    scores, count = model.packed_scores(packed)
    work.steps += count
    flagged = [c for c, _ in model.passing(scores) if c not in done]
    if not flagged:
        return []
    if model.config.gate:
        seen = clauses_seen(found, rules, model.config.ungated, work)
        flagged = [c for c in flagged if c not in seen]
    if not flagged:
        return []
    # Only a flagged sentence needs where its features are, for the finding's evidence span.
    tokens = sentence.tokens()
    feats = features(tokens, found, rules, model.config)
    info = _clause_info(rules)
    # The modifier kinds among its features ("m:" + kind).
    kinds = (
        tuple(sorted({f[2:] for f in rule_features(found, rules) if f.startswith("m:")}))
        if model.config.rule_features
        else ()
    )
    out = []
    for clause in flagged:
        category, severity = info[clause]
        if clause not in MODEL_FULL_SEVERITY:
            severity = _lower(severity)
        span = model.evidence(feats, clause)
        start, end = (
            (tokens[span[0]].start, tokens[span[1] - 1].end) if span else (sentence.start, sentence.end)
        )
        topic, check_what = MODEL_REASONS[clause]
        out.append(
            Finding(
                clause=clause,
                category=category,
                sentence=text[sentence.start : sentence.end],
                start=start,
                end=end,
                evidence=text[start:end],
                modifiers=kinds,
                rule_id=f"model.{clause}",
                severity=severity,
                reason=(
                    f"This sentence reads like notes about {topic}; check whether {check_what}. "
                    "(Flagged by the learned layer, not by a rule.)"
                ),
            )
        )
    return out


# What checking a sentence gives, kept per sentence: notes repeat whole sentences (a template's
# lines, "Client arrived on time."), and a sentence's findings and steps depend on its own text
# alone (its tokens are the same wherever it stands in a note). The key is a sentence of a coach's
# confidential note, so the cache lives in this process's memory only, is never written anywhere,
# holds at most SENTENCE_CACHE_SIZE sentences: it is emptied when full, like the word caches.
SENTENCE_CACHE_SIZE = 4096
# A sentence's findings with offsets from its start: (clause, category, start, end, modifiers,
# rule id, severity, reason), and the steps checking it took.
Checked = tuple[tuple[tuple[str, str, int, int, tuple[str, ...], str, str, str], ...], int]
# The sentence caches, per (rules, model) they were filled with (the objects are kept, so their
# ids are not reused while the cache is).
_sentence_caches: dict[tuple[int, int], tuple[RuleSet, Model | None, dict[object, Checked]]] = {}
_NORM = itemgetter(0)
_SPAN = re.Match.span
_new = tuple.__new__


def forget_sentences() -> None:
    """Empty the sentence caches: the next note is checked as if no sentence had been seen.

    `bench/bench_language.py` measures a coach's new note this way, since the bench's notes are
    built from a few thousand corpus lines and would otherwise be mostly cache hits.
    """
    _sentence_caches.clear()


def _sentence_cache(rules: RuleSet, model: Model | None) -> dict[object, Checked]:
    """Return the sentence cache of these rules and this model (with or without the model)."""
    entry = _sentence_caches.get((id(rules), id(model)))
    if entry is None:
        if len(_sentence_caches) >= 2:
            _sentence_caches.clear()
        entry = _sentence_caches[(id(rules), id(model))] = (rules, model, {})
    return entry[2]


class SentenceAt:
    """A sentence of a note being checked: its span and its tokens' normal forms.

    Matching and scoring read only the normal forms; where the tokens are is found only for a
    sentence with a finding, to place its evidence.
    """

    __slots__ = ("_spans", "_tokens", "end", "lowered", "norms", "start", "text")

    def __init__(
        self, text: str, start: int, end: int, lowered: str | None, tokens: tuple[Token, ...] | None
    ) -> None:
        self.text, self.start, self.end, self.lowered, self._tokens = text, start, end, lowered, tokens
        self._spans: list[tuple[int, int]] | None = None
        # An ASCII sentence's forms come from one regex call (see text.ascii_norms).
        self.norms = ascii_norms(text, start, end, lowered) if tokens is None else list(map(_NORM, tokens))

    def spans(self) -> list[tuple[int, int]]:
        """Return the character spans of the sentence's tokens, in order (found once)."""
        if self._spans is None:
            if self._tokens is None:
                # The forms are the tokens' (text.ascii_norms): only their spans are left to find.
                self._spans = list(map(_SPAN, TOKEN_RE.finditer(self.text, self.start, self.end)))
            else:
                self._spans = [(t.start, t.end) for t in self._tokens]
        return self._spans

    def tokens(self) -> tuple[Token, ...]:
        """Return the sentence's tokens with their offsets (made once)."""
        if self._tokens is None:
            self._tokens = tuple(
                [_new(Token, (norm, a, b)) for norm, (a, b) in zip(self.norms, self.spans(), strict=True)]
            )
        return self._tokens


def _check_sentence(
    text: str, sentence: SentenceAt, rules: RuleSet, model: Model | None, work: Work
) -> list[Finding]:
    """Return the findings of one sentence: the rules', then the learned layer's."""
    found = match_norms(sentence.norms, rules, work)
    findings: list[Finding] = []
    if found.targets:
        best = _rule_verdicts(found, rules, work)
        if best:
            findings = _rule_findings(text, sentence.start, sentence.end, sentence.spans(), best)
    if model is not None:
        done = {f.clause for f in findings}
        findings.extend(_model_findings(text, sentence, found, rules, model, done, work))
    return findings


def check(text: str, *, work: Work | None = None, use_model: bool = True) -> list[Finding]:
    """Return the findings for a note, in the order of the text.

    `use_model=False` gives the rules' findings alone.
    """
    rules = load_rules()
    model = load_model() if use_model else None
    work = work if work is not None else Work()
    cache = _sentence_cache(rules, model)
    findings: list[Finding] = []
    append = findings.append
    lowered = note_lowered(text)
    # A sentence's tokens are only made when it is not kept already.
    for s0, s1 in sentence_bounds(text):
        body = text[s0:s1]
        tokens = None
        if body.isascii():
            key: object = body
        else:
            # An ASCII sentence's text fixes its tokens' normal forms; another's may depend on
            # the note around it (see text.tokenize), so they are part of its key.
            tokens = sentence_at(text, s0, s1, lowered).tokens
            key = (body, tuple(map(_NORM, tokens)))
        checked = cache.get(key)
        if checked is None:
            sentence = SentenceAt(text, s0, s1, lowered, tokens)
            before = work.steps
            found = _check_sentence(text, sentence, rules, model, work)
            findings.extend(found)
            if len(cache) >= SENTENCE_CACHE_SIZE:
                cache.clear()  # (one call: safe with threads checking notes at once)
            cache[key] = (
                tuple(
                    (
                        f.clause,
                        f.category,
                        f.start - s0,
                        f.end - s0,
                        f.modifiers,
                        f.rule_id,
                        f.severity,
                        f.reason,
                    )
                    for f in found
                ),
                work.steps - before,
            )
            continue
        relative, steps = checked
        work.steps += steps
        for clause, category, start, end, modifiers, rule_id, severity, reason in relative:
            append(
                Finding(
                    clause,
                    category,
                    body,
                    s0 + start,
                    s0 + end,
                    body[start:end],
                    modifiers,
                    rule_id,
                    severity,
                    reason,
                )
            )
    return sorted(findings, key=lambda f: (f.start, f.clause))


def _token_span(sentence: str, target: str | tuple[int, int]) -> tuple[int, int]:
    """Turn a target given as text or character span into a character span."""
    if isinstance(target, str):
        at = sentence.lower().find(target.lower())
        if at < 0:
            raise ValueError(f"{target!r} is not in the sentence")
        return at, at + len(target)
    return target


def modifiers_for(
    sentence: str, target: str | tuple[int, int], *, target_type: str | None = None
) -> frozenset[str]:
    """Return the modifier kinds that reach a target (text or character span) in a sentence."""
    return frozenset(a.kind for a in applied_for(sentence, target, target_type=target_type))


def applied_for(
    sentence: str, target: str | tuple[int, int], *, target_type: str | None = None
) -> list[Applied]:
    """Return the modifiers (with rule ids and token spans) that reach a target in a sentence."""
    rules = load_rules()
    work = Work()
    char_start, char_end = _token_span(sentence, target)
    tokens = tuple(tokenize(sentence))
    inside = [i for i, t in enumerate(tokens) if t.start < char_end and t.end > char_start]
    if not inside:
        raise ValueError("the target span covers no token")
    found = match_sentence(tokens, rules, work)
    start, end = inside[0], inside[-1] + 1
    if target_type is None:
        # Use the type of a target the rules themselves find on this span, if any.
        types = [rules.targets[m.rule].type for m in found.targets if m.start < end and m.end > start]
        target_type = types[0] if types else None
    return applied_modifiers(found, start, end, target_type, rules, work)
