"""The learned layer: reproducible, additive only, and it reads paraphrases the rules miss."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from ethos.language import Work, check
from ethos.language.model import MODEL_FILE, load_model
from ethos.language.train import batches_from_log, trained_on

# Written for this test (not from any corpus): a passive wish to be dead in words the rules do
# not have, and its denied and someone else's twins.
PARAPHRASE = "Honestly she told me she'd be better off asleep for good and not waking."
TWINS = [
    "She denies feeling she'd be better off asleep for good and not waking.",
    "Her brother said he'd be better off asleep for good and not waking.",
    "Safety plan agreed: if she ever feels she'd be better off asleep for good, she will call the line.",
    "She said she never wants to be asleep for good; she is looking forward to the trip.",
]


def test_the_shipped_model_was_trained_on_this_dev_split_and_these_rules():
    # Training again takes about a minute and a half of CPU, so .ci/run does it once
    # (`python -m ethos.language.train --check`: byte for byte); here, the model names its inputs.
    shipped = resources.files("ethos.language").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    assert len(shipped.encode()) < 1_000_000
    assert json.loads(shipped)["trained_on"] == trained_on(), "run make train-language"


# The layer's recall is measured on the corpus splits (test_language_corpus.py); this shows the
# mechanism on one line. Its first example, PARAPHRASE, was lost by the layer once ordinary lines
# about sleep getting better joined dev, and a rule ("better off asleep") now catches it.
MODEL_ONLY = "He said he would rather be asleep for good."


def test_it_flags_a_suicidal_paraphrase_the_rules_miss():
    assert not check(MODEL_ONLY, use_model=False)
    [finding] = check(MODEL_ONLY)
    assert (finding.clause, finding.rule_id, finding.severity) == ("S2", "model.S2", "high")
    assert finding.evidence in MODEL_ONLY and finding.reason.startswith("This sentence reads like")


def test_the_first_paraphrase_is_flagged_s2():
    assert [finding.clause for finding in check(PARAPHRASE)] == ["S2"]


def test_it_leaves_the_denied_someone_elses_and_hypothetical_twins_alone():
    for twin in TWINS:
        assert not check(twin), twin


def test_it_never_adds_a_clause_the_rules_already_flag_in_the_sentence():
    text = (
        "She has been thinking about suicide every night this week. "
        "Honestly she told me she'd be better off asleep for good and not waking. "
        "I lent him 500 pounds. I suggested he halve his sertraline."
    )
    findings = check(text)
    per_sentence = [(f.sentence, f.clause) for f in findings]
    assert len(per_sentence) == len(set(per_sentence))
    rules = {(f.sentence, f.clause) for f in check(text, use_model=False)}
    assert {(f.sentence, f.clause) for f in findings if f.rule_id.startswith("model.")}.isdisjoint(rules)
    assert rules <= set(per_sentence)


def test_model_findings_are_one_step_lower_except_for_s2_and_c3():
    model = load_model()
    assert model is not None
    assert set(model.clauses) == {"S1", "S2", "S3", "S7", "S8", "C3", "P4", "P7", "P8", "P9"}
    for finding in check(PARAPHRASE):
        assert finding.severity == "high"


def test_it_scores_a_sentence_with_work_that_grows_linearly():
    def steps(repeats: int) -> int:
        work = Work()
        check("She was tired and we talked about her week at work. " * repeats, work=work)
        return work.steps

    small, large = steps(50), steps(200)
    assert large <= 4.2 * small
    # A word gives its stem, a bigram and at most three character n-grams per letter.
    assert steps(1) <= 60 * len("She was tired and we talked about her week at work. ")


DEV = Path(__file__).resolve().parent / "corpus_dev.jsonl"


def test_scores_are_the_weights_as_written_added_exactly():
    """Each clause's score is the exact sum of its weights as model.json writes them, scaled once.

    Adding the weights one by one in floating point gives the same score but for rounding (a
    few units in the last place), and never a different decision on these lines.
    """
    from ethos.language.model import features
    from ethos.language.rules import load_rules
    from ethos.language.text import tokenize

    model = load_model()
    lines = [
        json.loads(raw)["text"] for raw in DEV.read_text(encoding="utf-8").splitlines()[:400] if raw.strip()
    ]
    for line in lines:
        feats = features(tokenize(line), None, load_rules(), model.config)
        exact = [Decimal(0)] * len(model.bias)
        one_by_one = [0.0] * len(model.bias)
        for f in feats:
            for k, w in model.weights.get(f, ()):
                exact[k] += Decimal(repr(w))
                one_by_one[k] += w
        scale = 1 / math.sqrt(len(feats)) if feats else 0.0
        scores = model.scores(feats)
        assert scores == [b + float(t) * scale for b, t in zip(model.bias, exact, strict=True)], line
        floating = [b + t * scale for b, t in zip(model.bias, one_by_one, strict=True)]
        assert scores == pytest.approx(floating, rel=0, abs=1e-12), line
        assert [c for c, _ in model.passing(scores)] == [c for c, _ in model.passing(floating)], line


BETTER = ["Sleep has been better.", "Has been better.", "He has been eating better.", "Mood has been better."]


@pytest.mark.parametrize("line", BETTER)
def test_an_everyday_line_about_things_getting_better_raises_no_finding(line):
    # The layer trained before ordinary lines were in dev took these for S2, which stops signing.
    assert check(line) == []


def test_the_writer_batches_are_recovered_from_the_commits_that_appended_them():
    log = "\n".join(
        [
            "commit 1111111",
            '+{"text": "old line", "labels": []}',
            "commit 2222222",
            "+++ b/tests/language/corpus_dev.jsonl",
            '+{"text": "first writer", "labels": ["S1"]}',
            "commit 37718a4",
            *[f'+{{"text": "line {i}", "labels": []}}' for i in range(490)],
        ]
    )
    batches = batches_from_log(log)
    assert list(batches) == ["b1-2222222", "b2-37718a4-s1s2", "b2-37718a4-p4p7p8"]
    assert batches["b1-2222222"] == ['{"text": "first writer", "labels": ["S1"]}']
    assert (len(batches["b2-37718a4-s1s2"]), len(batches["b2-37718a4-p4p7p8"])) == (487, 3)


def test_the_checkers_path_scores_a_sentence_as_its_features_do():
    """`sentence_scores` (per-word features and bigrams kept) gives `scores(features(...))` to the bit."""
    from ethos.language.context import Work, match_sentence
    from ethos.language.model import features
    from ethos.language.rules import load_rules
    from ethos.language.text import split_sentences

    model, rules = load_model(), load_rules()
    lines = [
        json.loads(raw)["text"] for raw in DEV.read_text(encoding="utf-8").splitlines()[-600:] if raw.strip()
    ]
    lines += ["", "...", "Client 42 said 'no'.", "She said: I can't go on like this, I've thought about how."]
    model.words.clear()
    for round_ in range(2):  # the second round reads every word from the cache
        for line in lines:
            for sentence in split_sentences(line) or []:
                found = match_sentence(sentence.tokens, rules, Work())
                feats = features(sentence.tokens, found, rules, model.config)
                assert model.sentence_scores(sentence.tokens, found, rules) == (
                    model.scores(feats),
                    len(feats),
                ), (round_, line)


def test_the_model_adds_weights_in_the_units_training_rounds_them_to():
    # from_data refuses a weight that is not a whole number of these units, so the two must agree.
    from ethos.language.model import WEIGHT_DIGITS
    from ethos.language.train import DIGITS

    assert WEIGHT_DIGITS == DIGITS


def _seen(sentence: str, ungated: tuple[str, ...]) -> frozenset[str]:
    from ethos.language.context import match_sentence
    from ethos.language.model import clauses_seen
    from ethos.language.rules import load_rules
    from ethos.language.text import split_sentences

    rules = load_rules()
    [parsed] = split_sentences(sentence)
    return clauses_seen(match_sentence(parsed.tokens, rules, Work()), rules, ungated)


def test_s2_gate_stays_closed_on_a_target_a_modifier_rules_out():
    # Someone else's thoughts and a denial are the rules' call, ungated or not.
    others = "Her brother has been thinking about killing himself."
    for sentence in (others, "She has no thoughts of suicide."):
        assert "S2" in _seen(sentence, ()), sentence
        assert "S2" in _seen(sentence, ("S2",)), sentence


def test_s2_gate_opens_on_a_means_passed_over_for_want_of_a_thought_of_using_it():
    # The rules pass over a means named alone (R-S2-MEANS requires a thought of using it); the
    # closed gate silenced the layer there, the S2 gate leaves the sentence to it.
    sentence = "She keeps her sleeping pills in the kitchen drawer."
    assert "S2" in _seen(sentence, ())
    assert "S2" not in _seen(sentence, ("S2",))
    assert "S2" not in {f.clause for f in check(sentence, use_model=False)}


def test_the_shipped_model_names_the_clauses_its_gate_leaves_to_it():
    data = json.loads(resources.files("ethos.language").joinpath(MODEL_FILE).read_text())
    assert data["features"]["ungated"] == ["S2"]
    assert load_model().config.ungated == ("S2",)
