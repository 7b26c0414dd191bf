"""Check a note: apply the decision rules to every target and report findings."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ethos.language.context import (
    Applied,
    SentenceMatches,
    Work,
    applied_modifiers,
    match_sentence,
)
from ethos.language.rules import SEVERITIES, DecisionRule, RuleSet, load_rules
from ethos.language.text import Sentence, split_sentences, tokenize


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
    for kind in rule.exclude & kinds:
        if not (rule.unless.get(kind, frozenset()) & kinds):
            return None
    if rule.downgrade & kinds:
        return _lower(rule.severity), rule.reason_downgraded
    return rule.severity, rule.reason


def _sentence_findings(
    text: str, sentence: Sentence, found: SentenceMatches, rules: RuleSet, work: Work
) -> list[Finding]:
    """Return the findings of one sentence, at most one per clause (the most severe)."""
    best: dict[str, Finding] = {}
    tokens = sentence.tokens
    for target in found.targets:
        target_type = rules.targets[target.rule].type
        decisions = rules.by_target_type[target_type]
        if not decisions:
            continue
        applied = applied_modifiers(found, target.start, target.end, target_type, rules, work)
        kinds = frozenset(a.kind for a in applied)
        for rule in decisions:
            verdict = decide(rule, kinds)
            if verdict is None:
                continue
            severity, reason = verdict
            start, end = tokens[target.start].start, tokens[target.end - 1].end
            finding = Finding(
                clause=rule.clause,
                category=rule.category,
                sentence=text[sentence.start : sentence.end],
                start=start,
                end=end,
                evidence=text[start:end],
                modifiers=tuple(sorted(kinds)),
                rule_id=rule.id,
                severity=severity,
                reason=reason,
            )
            current = best.get(rule.clause)
            if current is None or SEVERITIES.index(severity) > SEVERITIES.index(current.severity):
                best[rule.clause] = finding
    return list(best.values())


def check(text: str, *, work: Work | None = None) -> list[Finding]:
    """Return the findings for a note, in the order of the text."""
    rules = load_rules()
    work = work if work is not None else Work()
    findings: list[Finding] = []
    for sentence in split_sentences(text):
        found = match_sentence(sentence.tokens, rules, work)
        if found.targets:
            findings.extend(_sentence_findings(text, sentence, found, rules, work))
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
