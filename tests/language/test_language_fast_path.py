"""The checker's path for a new sentence: its words' forms first, tokens with offsets only for findings."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ethos.language import Work, check, checker
from ethos.language.checker import SentenceAt, _check_sentence, _sentence_findings
from ethos.language.context import match_norms, match_sentence
from ethos.language.model import load_model
from ethos.language.rules import load_rules
from ethos.language.text import ascii_norms, note_lowered, sentence_at, sentence_bounds, split_sentences

DEV = Path(__file__).resolve().parent / "corpus_dev.jsonl"


def _dev_lines() -> list[str]:
    return [json.loads(raw)["text"] for raw in DEV.read_text(encoding="utf-8").splitlines() if raw.strip()]


def _forms_and_tokens_agree(text: str) -> None:
    lowered = note_lowered(text)
    for start, end in sentence_bounds(text):
        if not text[start:end].isascii():
            continue
        forms = [t.norm for t in sentence_at(text, start, end, lowered).tokens]
        assert ascii_norms(text, start, end, lowered) == forms, text[start:end]
        # A note with a character that grows when lower-cased elsewhere: its ASCII sentences too.
        assert ascii_norms(text, start, end, None) == forms, text[start:end]


def test_an_ascii_sentences_forms_are_those_of_its_tokens_over_the_dev_corpus():
    for line in _dev_lines():
        _forms_and_tokens_agree(line)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=300))
@settings(max_examples=200, deadline=None)
def test_an_ascii_sentences_forms_are_those_of_its_tokens(text):
    _forms_and_tokens_agree(text)
    _forms_and_tokens_agree("\u0130 " + text)  # "İ" grows when lower-cased: no note-wide lowering


def test_matching_a_sentences_forms_finds_what_matching_its_tokens_finds():
    rules = load_rules()
    for line in _dev_lines()[::5]:
        for sentence in split_sentences(line):
            by_tokens = match_sentence(sentence.tokens, rules, Work())
            by_forms = match_norms([t.norm for t in sentence.tokens], rules, Work())
            assert by_forms == by_tokens, line


def test_the_checker_finds_what_the_rules_find_on_sentences_with_their_tokens_over_the_dev_corpus():
    # The reference makes every sentence's tokens first and matches them; the checker matches the
    # forms and makes tokens only where it reports. No sentence the rules flag may be dropped.
    rules = load_rules()
    flagged = 0
    for line in _dev_lines():
        expected = []
        for sentence in split_sentences(line):
            found = match_sentence(sentence.tokens, rules, Work())
            expected += _sentence_findings(line, sentence, found, rules, Work()) if found.targets else []
        checker.forget_sentences()
        assert check(line, use_model=False) == sorted(expected, key=lambda f: (f.start, f.clause)), line
        flagged += bool(expected)
    assert flagged > 1000  # the corpus is mostly lines the rules flag


def _findings_both_ways(text: str, use_model: bool = True):
    rules, model = load_rules(), (load_model() if use_model else None)
    lowered = note_lowered(text)
    lazy, given_tokens = [], []
    for start, end in sentence_bounds(text):
        tokens = sentence_at(text, start, end, lowered).tokens
        lazy.append(_check_sentence(text, SentenceAt(text, start, end, lowered, None), rules, model, Work()))
        given_tokens.append(
            _check_sentence(text, SentenceAt(text, start, end, lowered, tokens), rules, model, Work())
        )
    return lazy, given_tokens


def test_a_sentence_checked_from_its_forms_gives_what_it_gives_with_its_tokens_made_first():
    lines = _dev_lines()[::7]
    with_findings = 0
    for line in lines:
        lazy, given_tokens = _findings_both_ways(line)
        assert lazy == given_tokens, line
        with_findings += any(lazy)
    assert 0 < with_findings < len(lines)


def test_a_sentence_with_no_finding_never_has_its_tokens_found():
    rules, model = load_rules(), load_model()
    text = "We talked about her week at work and the garden."
    plain = SentenceAt(text, 0, len(text), note_lowered(text), None)
    assert _check_sentence(text, plain, rules, model, Work()) == []
    assert (plain._spans, plain._tokens) == (None, None)
    text = "She told me she wants to kill herself."
    risky = SentenceAt(text, 0, len(text), note_lowered(text), None)
    [finding] = _check_sentence(text, risky, rules, model, Work())
    assert finding.clause == "S2"
    tokens = sentence_at(text, 0, len(text), note_lowered(text)).tokens
    assert risky._spans == [(t.start, t.end) for t in tokens] != []
    assert risky.tokens() == tokens


def test_a_sentence_with_no_target_of_the_rules_yields_nothing():
    text = "The weather was mild and the bus was on time."
    found = match_norms(ascii_norms(text, 0, len(text), None), load_rules(), Work())
    assert found.targets == []
    checker.forget_sentences()
    assert check(text) == []


def test_what_the_rules_found_reads_as_the_target_types_and_modifier_kinds_that_speak():
    # The model's rule features come from a table per rule; read them from the rules themselves.
    from ethos.language.model import rule_features

    rules = load_rules()
    seen = set()
    for line in _dev_lines()[::5]:
        for sentence in split_sentences(line):
            found = match_sentence(sentence.tokens, rules, Work())
            matches = found.pending if found.pending is not None else [*found.targets, *found.modifiers]
            expected = []
            for m in matches:
                if m.is_target and not rules.targets[m.rule].pseudo:
                    expected.append("t:" + rules.targets[m.rule].type)
                elif not m.is_target and rules.modifiers[m.rule].direction not in ("pseudo", "terminate"):
                    expected.append("m:" + rules.modifiers[m.rule].kind)
            assert rule_features(found, rules) == expected, line
            seen.update(expected)
    assert {name[:2] for name in seen} == {"t:", "m:"}
