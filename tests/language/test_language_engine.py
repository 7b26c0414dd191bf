"""The engine: tokens and sentences with offsets, the rule file, and linear work."""

from __future__ import annotations

import json
import re
from pathlib import Path
from re import _constants as sre_constants
from re import _parser as sre_parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethos.language import Work, check, checker
from ethos.language.checker import decide
from ethos.language.context import token_classes_of
from ethos.language.rules import RuleFileError, compile_rules, load_rules
from ethos.language.text import (
    BOUNDARY_RE,
    LAST_WORD_RE,
    TOKEN_RE,
    note_lowered,
    sentence_at,
    sentence_bounds,
    split_sentences,
    tokenize,
)

REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)


def test_it_reports_offsets_into_the_original_text():
    text = "Session 4.\n\nWe talked about work. She may be suicidal; I called the crisis line."
    [finding] = check(text)
    assert finding.clause == "S2"
    assert text[finding.start : finding.end] == finding.evidence == "suicidal"
    assert finding.sentence == "She may be suicidal; I called the crisis line."
    assert finding.severity == "medium"
    assert finding.rule_id == "R-S2-CURRENT-RISK"
    assert finding.reason


def test_it_splits_sentences_on_marks_and_lines_but_not_abbreviations():
    text = "Dr. Lee saw her. F43.10 was named\nby him. Next line\n\n- a bullet"
    assert [text[s.start : s.end] for s in split_sentences(text)] == [
        "Dr. Lee saw her.",
        "F43.10 was named\nby him.",
        "Next line",
        "- a bullet",
    ]


def test_it_keeps_joined_words_as_one_token():
    assert [t.norm for t in tokenize("Don\u2019t self-harm; her 6-year-old, F43.10.")] == [
        "don't", "self-harm", ";", "her", "6-year-old", ",", "f43.10", ".",
    ]  # fmt: skip


@given(st.text(max_size=300))
@settings(max_examples=150, deadline=None)
def test_it_tokenizes_any_text_into_ordered_spans(text):
    previous_end = 0
    for token in tokenize(text):
        assert previous_end <= token.start < token.end
        assert not text[previous_end : token.start].strip()
        previous_end = token.end
    assert not text[previous_end:].strip()


# White space of every sort, letters that lower-case by context or grow, abbreviations.
SPLIT_PIECES = [
    *"aI .!?\n\t\u2029\u3000'\u2019-", "Dr. ", "\u0130", "\u0391:\u03a3", "\u03a3 ", "F43.10", "e.g. ",
]  # fmt: skip


@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from(SPLIT_PIECES), max_size=60).map("".join)))
@settings(max_examples=300, deadline=None)
def test_it_finds_each_sentence_and_its_tokens_on_demand_as_splitting_gives_them(text):
    lowered = note_lowered(text)
    found = [sentence_at(text, start, end, lowered) for start, end in sentence_bounds(text)]
    assert found == split_sentences(text)


NOTE_PIECES = [*"abI .,;!?\n-'$", "her ", "no ", "she ", "son ", "suicidal ", "if ", "Xanax "]


@given(st.lists(st.sampled_from(NOTE_PIECES), max_size=120).map("".join))
@settings(max_examples=150, deadline=None)
def test_it_checks_any_text_and_keeps_evidence_inside_it(text):
    work = Work()
    for finding in check(text, work=work):
        assert text[finding.start : finding.end] == finding.evidence
        assert finding.evidence in finding.sentence
    assert work.steps <= 200 * (len(text) + 1)


def _walk(items):
    """Yield every (op, arg) of a parsed regex, depth first."""
    for op, arg in items:
        yield op, arg
        if op in REPEATS:
            yield from _walk(arg[2])
        elif op == sre_constants.SUBPATTERN:
            yield from _walk(arg[-1])
        elif op == sre_constants.BRANCH:
            for branch in arg[1]:
                yield from _walk(branch)


def _unbounded_backtracking_repeats(pattern: str) -> list:
    """Return the unbounded repeats that the engine may backtrack into."""
    return [
        arg
        for op, arg in _walk(sre_parse.parse(pattern))
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and arg[1] == sre_constants.MAXREPEAT
    ]


def test_it_keeps_every_rule_regex_free_of_unbounded_repetition():
    # Token classes only ever see tokens of up to 32 characters, and repeat nothing
    # unboundedly: classifying a token costs a bounded amount of work.
    for name, rx in load_rules().token_classes:
        assert not _unbounded_backtracking_repeats(rx.pattern), name


def test_it_makes_every_unbounded_repeat_in_the_text_regexes_possessive():
    # A possessive repeat never gives back what it matched, so no input can make the
    # engine backtrack: tokenizing and splitting are linear in the text.
    for rx in (TOKEN_RE, BOUNDARY_RE, LAST_WORD_RE):
        assert not _unbounded_backtracking_repeats(rx.pattern), rx.pattern


ADVERSARIAL = [
    "no ",
    "her son ",
    "I suggested she stop her Xanax ",
    "denies suicidal ideation but ",
    "a-",
    "....",
    "\n",
    "her her her abuse ",
    "meets criteria for PTSD I think ",
    "x" * 50,
]


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_it_does_linear_work_on_repeated_tokens(unit):
    def steps(repeats: int) -> int:
        work = Work()
        check(unit * repeats, work=work)
        return work.steps

    small, large = steps(250), steps(1000)
    assert large <= 4.4 * small + 50, (small, large)


def test_it_checks_100_kb_of_repeated_tokens():
    text = ("her son is being hit I suggested she stop her Xanax no " * 2000)[:100_000]
    work = Work()
    findings = check(text, work=work)
    assert findings
    assert work.steps <= 60 * len(text)


def test_it_bounds_modifier_scope_and_phrase_length():
    rules = load_rules()
    assert rules.max_phrase <= 8
    assert rules.max_scope <= 20


def test_it_gives_every_rule_an_id_a_clause_and_a_reason():
    rules = load_rules()
    ids = [r.id for r in rules.targets] + [m.id for m in rules.modifiers]
    ids += [d.id for d in rules.decisions]
    assert len(ids) == len(set(ids))
    clauses = {d.clause for d in rules.decisions}
    assert clauses == {"S1", "S2", "S3", "S7", "S8", "C3", "P4", "P7", "P8", "P9"}
    for decision in rules.decisions:
        assert decision.reason.strip() and "\n" not in decision.reason


MINIMAL = {
    "target": [{"id": "T", "type": "t", "phrases": ["x"]}],
    "modifier": [{"id": "M", "kind": "NEGATED", "direction": "forward", "scope": 3,
                  "phrases": ["no"]}],
    "rule": [{"id": "R", "clause": "S2", "category": "c", "targets": ["t"],
              "exclude": ["NEGATED"], "severity": "high", "reason": "r"}],
}  # fmt: skip


def test_it_compiles_a_minimal_rule_file():
    rules = compile_rules(MINIMAL)
    assert rules.max_phrase == 1


@pytest.mark.parametrize(
    ("section", "change", "message"),
    [
        ("modifier", {"direction": "sideways"}, "unknown direction"),
        ("modifier", {"id": "T"}, "duplicate rule id"),
        ("target", {"phrases": ["<nope> x"]}, "unknown token class"),
        ("rule", {"severity": "urgent"}, "unknown severity"),
    ],
)
def test_it_refuses_a_malformed_rule_file(section, change, message):
    data = {key: [dict(entry) for entry in value] for key, value in MINIMAL.items()}
    data[section][0].update(change)
    with pytest.raises(RuleFileError, match=message):
        compile_rules(data)


CLASSES = {"digits": r"\d{1,3}", "either": "ab|abc", "short": "[a-z]{1,3}", "not_ab": "(?!ab)[a-z]+"}


@pytest.mark.parametrize(
    ("classes", "joined"),
    [(CLASSES, True), ({**CLASSES, "pair": r"(a)\1"}, False), ({"one": "abc"}, False)],
)
def test_the_token_classes_a_word_matches_are_those_that_match_it_whole(classes, joined):
    # Joined into one pattern where they can be; a class with a group of its own is tried alone.
    rules = compile_rules({**MINIMAL, "token_classes": classes})
    assert (rules.classifier is not None) == joined
    compiled = {name: re.compile(rx) for name, rx in classes.items()}
    for word in ["abc", "ab", "a", "aa", "abcd", "x", "12", "1234", "12a", "", "ab'c"]:
        expected = [f"<{name}>" for name, rx in compiled.items() if rx.fullmatch(word)]
        assert token_classes_of(word, rules) == expected, word


def test_the_rule_files_classes_match_each_corpus_word_as_they_do_one_by_one():
    rules = load_rules()
    assert rules.classifier is not None
    words = {
        token.norm
        for path in sorted(Path(__file__).parent.glob("corpus_*.jsonl"))
        for raw in path.read_text(encoding="utf-8").splitlines()
        if raw.strip()
        for token in tokenize(json.loads(raw)["text"])
    }
    for word in words:
        expected = [f"<{name}>" for name, rx in rules.token_classes if rx.fullmatch(word)]
        assert token_classes_of(word, rules) == expected, word


def test_it_lowers_severity_for_a_downgrading_modifier_and_honours_unless():
    rule = load_rules().by_target_type["suicide"][0]
    assert decide(rule, frozenset())[0] == "high"
    assert decide(rule, frozenset({"POSSIBLE"}))[0] == "medium"
    assert decide(rule, frozenset({"HISTORICAL"})) is None
    assert decide(rule, frozenset({"HISTORICAL", "CURRENT"}))[0] == "high"


@pytest.mark.parametrize("fragment", ["Words.", "Note.", "Notes.", "Plans", "Fine, thanks."])
def test_the_learned_layer_leaves_fragments_of_one_or_two_words_to_the_rules(fragment):
    # Scaled by so few features, one word's weights once flagged a clause on their own ("Words."
    # read as S2, so a note holding only that could not be signed).
    assert [f.clause for f in check(fragment)] == []


@pytest.mark.parametrize(("fragment", "clause"), [("Suicidal.", "S2"), ("Drunk.", "S3")])
def test_the_rules_still_flag_a_fragment(fragment, clause):
    assert clause in {f.clause for f in check(fragment)}


def _fresh_sentence_caches():
    """Forget every sentence the checker has kept."""
    checker.forget_sentences()


def test_forgetting_sentences_makes_the_next_note_check_every_sentence_anew():
    text = "We talked about work. She told me she wants to kill herself."
    check(text)
    kept = Work()
    check(text, work=kept)
    checker.forget_sentences()
    assert checker._sentence_caches == {}
    anew = Work()
    check(text, work=anew)
    assert kept.steps == anew.steps > 0
    assert any(cache for _, _, cache in checker._sentence_caches.values())


@given(
    st.lists(st.sampled_from([*NOTE_PIECES, "She is suicidal. ", "I lent her money. "]), max_size=80).map(
        "".join
    )
)
@settings(max_examples=100, deadline=None)
def test_a_kept_sentence_gives_the_findings_and_steps_of_checking_it_anew(text):
    kept_work, new_work = Work(), Work()
    check(text + " " + text)  # every sentence of text is now kept
    kept = check(text, work=kept_work)
    _fresh_sentence_caches()
    assert kept == check(text, work=new_work)
    assert kept_work.steps == new_work.steps


def test_a_repeated_sentence_is_found_again_at_its_own_offsets():
    _fresh_sentence_caches()
    sentence = "She told me she wants to kill herself."
    text = f"{sentence} We talked about work. {sentence}"
    first, second = check(text)
    assert (first.clause, first.rule_id, first.evidence) == (second.clause, second.rule_id, second.evidence)
    assert second.start == first.start + text.rindex(sentence)
    assert text[second.start : second.end] == second.evidence


def test_it_keeps_a_bounded_number_of_sentences(monkeypatch):
    _fresh_sentence_caches()
    monkeypatch.setattr(checker, "SENTENCE_CACHE_SIZE", 5)
    text = " ".join(f"We met on day {n} and she was suicidal." for n in range(20))
    findings = check(text)
    assert [f.clause for f in findings] == ["S2"] * 20
    [(_, _, cache)] = [entry for entry in checker._sentence_caches.values() if entry[1] is not None]
    assert len(cache) == 5
    assert "We met on day 19 and she was suicidal." in cache


def test_a_sentence_whose_words_depend_on_the_note_is_kept_by_its_words_too():
    # Lower-casing a whole note gives a final sigma (\u03c2) after an alpha and a colon; a note
    # with a character that grows when lower-cased ("İ") is lower-cased token by token, and the
    # sigma on its own is an ordinary one (\u03c3).
    _fresh_sentence_caches()
    sentence = "\u0391:\u03a3 was said."
    check(sentence)
    check("İ. " + sentence)
    [(_, _, cache)] = [entry for entry in checker._sentence_caches.values() if entry[1] is not None]
    norms = {key[1] for key in cache if isinstance(key, tuple) and key[0] == sentence}
    assert norms == {
        ("\u03b1", ":", "\u03c2", "was", "said", "."),
        ("\u03b1", ":", "\u03c3", "was", "said", "."),
    }
