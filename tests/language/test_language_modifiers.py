"""Minimal pairs: the same target under each modifier, in every category.

Each table holds one affirmed line and its variants (denied, historical, someone else's,
attributed to the client or a clinician, hypothetical or possible). The expected outcome
follows the decision rules in the issue and tests/language/GUIDELINES.md.
"""

from __future__ import annotations

import pytest

from ethos.language import check, modifiers_for


def flags(text: str, clause: str) -> list[str]:
    """Return the severities of the findings for clause in text."""
    return [f.severity for f in check(text) if f.clause == clause]


S2_PAIRS = {
    "affirmed": ("She has been thinking about killing herself.", ["high"]),
    "denied": ("She denies thinking about killing herself.", []),
    "historical": ("She thought about killing herself years ago.", []),
    "someone_else": ("Her brother has been thinking about killing himself.", []),
    "client_report": ("She says she has been thinking about killing herself.", ["high"]),
    "possible": ("I am worried she may be thinking about killing herself.", ["medium"]),
    "hypothetical": (
        "If she starts thinking about killing herself, she will call the crisis line.",
        [],
    ),
    "historical_but_current_again": (
        "She attempted suicide in 2012 and is suicidal again now.",
        ["high"],
    ),
}

# A relative the client talks or writes to, takes leave of, counts down to a family occasion
# of, or who comes upon the client, is not the one at risk; the same relative as the subject of
# the thoughts is (GUIDELINES.md, "A relative the client addresses").
S2_RELATIVE_PAIRS = {
    "writes_to_relative": ("Wrote to her daughter to say sorry for everything.", ["high"]),
    "relative_writes": ("Her daughter wrote to say sorry for everything.", []),
    "texts_relative_goodbye": ("She texted her sister to say goodbye for good.", ["high"]),
    "relative_says_goodbye": ("Her sister texted to say goodbye for good.", []),
    "tells_relative": ("Told her daughter to look after the cat afterwards.", ["high"]),
    "relative_tells": ("Her daughter told her to look after the cat afterwards.", []),
    "relatives_occasion": ("Wants to get through her son's birthday and then end it.", ["high"]),
    "relative_after_occasion": ("Her son wants to end it after his birthday.", []),
    "relative_finds_client": ("Her partner found her writing a goodbye letter last night.", ["high"]),
    "relative_found": ("Her partner was found writing a goodbye letter last night.", []),
}

S1_PAIRS = {
    "affirmed": ("She is self-harming again.", ["medium"]),
    "denied": ("She denies self-harming.", []),
    "historical": ("She was self-harming as a teenager.", []),
    "someone_else": ("Her sister is self-harming.", []),
    "client_report": ("She says she is self-harming again.", ["medium"]),
    "possible": ("I wonder if she is self-harming.", []),
    "addiction_affirmed": ("He is drinking a bottle of vodka every day.", ["medium"]),
    "addiction_recovered": ("He has been in recovery from alcohol addiction since 2015.", []),
}

S3_PAIRS = {
    "affirmed": ("Client was intoxicated in session.", ["medium"]),
    "denied": ("Client was not intoxicated.", []),
    "historical": ("Client was intoxicated at a session last year.", []),
    "someone_else": ("Her partner was intoxicated.", []),
    "client_report": ("She says she was intoxicated during our call.", ["medium"]),
    "another_occasion": ("Client was drunk at a party last weekend.", []),
    "used_before_session": ("She smoked weed right before our call.", ["medium"]),
}

S7_PAIRS = {
    "affirmed": ("She has PTSD.", ["medium"]),
    "coach_agent": ("I think she has PTSD.", ["medium"]),
    "coach_declines": ("I cannot diagnose whether she has PTSD.", []),
    "historical": ("She had PTSD as a teenager.", ["medium"]),
    "someone_else": ("Her brother has PTSD.", []),
    "client_report": ("She says she has PTSD.", []),
    "clinician": ("Her psychiatrist says she has PTSD.", []),
    "clinician_passive": ("She was diagnosed with PTSD in 2019.", []),
    "icd_code": ("Presentation fits F43.10.", ["medium"]),
}

S8_PAIRS = {
    "coach_agent": ("I suggested she lower her Zoloft.", ["medium"]),
    "coach_declines": ("I told her I can't advise on lowering her Zoloft.", []),
    "historical": ("She lowered her Zoloft last year.", []),
    "clinician": ("Her psychiatrist suggested she lower her Zoloft.", []),
    "client_report": ("She says she should lower her Zoloft.", []),
    "referral": ("I encouraged her to ask her prescriber about lowering her Zoloft.", []),
    "ask_for_a_named_drug": ("I told her to ask her doctor for Xanax.", ["medium"]),
}

C3_PAIRS = {
    "affirmed": ("Her boyfriend is hitting her 6-year-old son.", ["high"]),
    "denied": ("Her boyfriend is not hitting her son.", []),
    "historical": ("Her boyfriend hit her son years ago.", []),
    "adult_client": ("Her boyfriend is hitting her.", []),
    "client_as_a_child": ("She was hit by her father as a child.", []),
    "possible": ("She suspects her boyfriend is hitting her son.", ["medium"]),
    "hypothetical": ("If her boyfriend ever hits her son she will leave.", []),
    "client_report": ("Client says her boyfriend is hitting her son.", ["high"]),
    "elder": ("Her 82-year-old father is being neglected by his carer.", ["high"]),
}

P7_PAIRS = {
    "coach_agent": ("I met her for coffee on Saturday.", ["medium"]),
    "denied": ("I did not meet her for coffee.", []),
    "coach_declines": ("She invited me for coffee and I declined.", []),
    "clients_own_life": ("She met her sister for coffee.", []),
    "client_report": ("She says she would like to meet me for coffee.", []),
    "historical": ("I met her for coffee last year.", ["medium"]),
}

P8_PAIRS = {
    "coach_agent": ("I kissed him after the session.", ["high"]),
    "denied": ("I have never kissed a client.", []),
    "clients_own_life": ("She kissed her girlfriend.", []),
    "client_report": ("He says he wants to kiss me.", []),
    "coach_declines": ("He tried to kiss me and I refused.", []),
}

P9_PAIRS = {
    "coach_agent": ("I lent her $200.", ["medium"]),
    "denied": ("I did not lend her money.", []),
    "clients_own_life": ("She lent her sister $200.", []),
    "coach_declines": ("She asked whether I could lend her $200; I said no.", []),
    "coaching_fee": ("She paid me for two sessions.", []),
}

P4_PAIRS = {
    "coach_agent": ("She is in denial about her drinking.", ["low"]),
    "label": ("He is lazy and non-compliant with the homework.", ["low"]),
    "belief_dismissed": ("Her crazy beliefs about crystals keep getting in the way.", ["low"]),
    "faith_dismissed": ("He needs to grow out of the church thing.", ["low"]),
    "identity_dismissed": ("She claims to be non-binary.", ["low"]),
    "verdict_after_report": ("She says she prays daily, which is superstitious nonsense.", ["low"]),
    "neutral_belief": ("She described her faith as central to her recovery.", []),
    "client_report": ("She says she is lazy.", []),
    "own_words_quoted": ('"Lazy" is her word for how she spent the week.', []),
    "someone_else": ("Her mother calls her lazy.", []),
    "denied": ("She is not lazy; she is exhausted.", []),
    "clinical_denial": ("Client denies suicidal ideation.", []),
    "about_a_thing": ("The stain was resistant to bleach.", []),
    "behaviour_described": ("She did not complete the worksheet this week.", []),
    "coach_reflects": ("I caught myself thinking she was lazy and took it to supervision.", []),
    "possible": ("I wondered whether I was being judgemental about her choice.", []),
    "pronouns_respected": ('She asked me to use "they" for her.', []),
}


def _cases(pairs: dict[str, tuple[str, list[str]]]):
    """Turn a table into pytest parameters named after the modifier."""
    return [pytest.param(text, expected, id=name) for name, (text, expected) in pairs.items()]


@pytest.mark.parametrize(("text", "expected"), _cases(S2_PAIRS))
def test_s2_minimal_pairs(text, expected):
    assert flags(text, "S2") == expected


@pytest.mark.parametrize(("text", "expected"), _cases(S2_RELATIVE_PAIRS))
def test_s2_a_relative_the_client_addresses_is_not_the_one_at_risk(text, expected):
    assert flags(text, "S2") == expected


@pytest.mark.parametrize(("text", "expected"), _cases(S1_PAIRS))
def test_s1_minimal_pairs(text, expected):
    assert flags(text, "S1") == expected


@pytest.mark.parametrize(("text", "expected"), _cases(S3_PAIRS))
def test_s3_minimal_pairs(text, expected):
    assert flags(text, "S3") == expected


@pytest.mark.parametrize(("text", "expected"), _cases(S7_PAIRS))
def test_s7_minimal_pairs(text, expected):
    assert flags(text, "S7") == expected


@pytest.mark.parametrize(("text", "expected"), _cases(S8_PAIRS))
def test_s8_minimal_pairs(text, expected):
    assert flags(text, "S8") == expected


@pytest.mark.parametrize(("text", "expected"), _cases(C3_PAIRS))
def test_c3_minimal_pairs(text, expected):
    assert flags(text, "C3") == expected


@pytest.mark.parametrize(("text", "expected"), _cases(P4_PAIRS))
def test_p4_minimal_pairs(text, expected):
    assert flags(text, "P4") == expected


@pytest.mark.parametrize(("text", "expected"), _cases(P7_PAIRS))
def test_p7_minimal_pairs(text, expected):
    assert flags(text, "P7") == expected


@pytest.mark.parametrize(("text", "expected"), _cases(P8_PAIRS))
def test_p8_minimal_pairs(text, expected):
    assert flags(text, "P8") == expected


@pytest.mark.parametrize(("text", "expected"), _cases(P9_PAIRS))
def test_p9_minimal_pairs(text, expected):
    assert flags(text, "P9") == expected


# The context logic on its own: which modifiers reach a given target.


@pytest.mark.parametrize(
    ("sentence", "target", "kind"),
    [
        pytest.param("Client denies suicidal ideation.", "suicidal ideation", "NEGATED", id="neg"),
        pytest.param("SI denied today.", "SI", "NEGATED", id="neg-backward"),
        pytest.param("No thoughts of suicide this week.", "suicide", "NEGATED", id="no-thoughts"),
        pytest.param("She may be suicidal.", "suicidal", "POSSIBLE", id="possible"),
        pytest.param("If she feels suicidal, she calls.", "suicidal", "HYPOTHETICAL", id="if"),
        pytest.param("She was suicidal in 2012.", "suicidal", "HISTORICAL", id="year"),
        pytest.param("She used to cut herself.", "cut herself", "HISTORICAL", id="used-to"),
        pytest.param("Her mother is suicidal.", "suicidal", "OTHER_EXPERIENCER", id="other"),
        pytest.param("She says she has PTSD.", "PTSD", "CLIENT_REPORT", id="client"),
        pytest.param("Her therapist thinks it is PTSD.", "PTSD", "ATTRIBUTED_CLINICIAN", id="clin"),
        pytest.param("I suggested she stop her Xanax.", "Xanax", "DIRECTIVE", id="coach"),
        pytest.param("I met her for coffee.", "coffee", "COACH_AGENT", id="coach-agent"),
        pytest.param("She calls herself lazy.", "lazy", "OWN_VIEW", id="own-view"),
        pytest.param("Her pastor told him he was weak.", "weak", "OTHER_JUDGE", id="other-judge"),
        pytest.param(
            "Her daughter wrote to say sorry for everything.",
            "sorry for everything",
            "OTHER_EXPERIENCER",
            id="other-writes",
        ),
    ],
)
def test_it_finds_the_modifier_that_reaches_a_target(sentence, target, kind):
    assert kind in modifiers_for(sentence, target)


@pytest.mark.parametrize(
    ("sentence", "target", "kind"),
    [
        pytest.param("She denies SI but reports a plan to overdose.", "overdose", "NEGATED", id="but"),
        pytest.param("She told her mother she wants to die.", "wants to die", "OTHER_EXPERIENCER", id="she"),
        pytest.param("She doesn't want to be alive.", "doesn't want to be alive", "NEGATED", id="pseudo"),
        pytest.param(
            "Wrote to her daughter to say sorry for everything.",
            "sorry for everything",
            "OTHER_EXPERIENCER",
            id="addressee",
        ),
        pytest.param("She is suicidal; she was abused in 2012.", "suicidal", "HISTORICAL", id="semicolon"),
        pytest.param("He says everything is fine, and he is suicidal.", "suicidal", "POSSIBLE", id="none"),
        pytest.param(
            "She says she prays daily, which is superstitious nonsense.",
            "superstitious",
            "OWN_VIEW",
            id="verdict",
        ),
    ],
)
def test_it_stops_a_modifier_at_its_terminator_or_pseudo_phrase(sentence, target, kind):
    assert kind not in modifiers_for(sentence, target)


def test_it_accepts_a_character_span_for_the_target():
    sentence = "Client denies suicidal ideation."
    assert modifiers_for(sentence, (14, 31)) == modifiers_for(sentence, "suicidal ideation")


def test_it_refuses_a_target_that_is_not_in_the_sentence():
    with pytest.raises(ValueError, match="not in the sentence"):
        modifiers_for("Client denies suicidal ideation.", "overdose")


# Any span a caller names, even one that is none of the checker's own targets.


def _has_checker_targets(sentence: str) -> bool:
    from ethos.language.context import Work, match_sentence
    from ethos.language.rules import load_rules
    from ethos.language.text import tokenize

    return bool(match_sentence(tuple(tokenize(sentence)), load_rules(), Work()).targets)


@pytest.mark.parametrize(
    ("sentence", "target", "kind"),
    [
        pytest.param("She denies any headaches.", "headaches", "NEGATED", id="neg"),
        pytest.param("Her mother is tired all the time.", "tired", "OTHER_EXPERIENCER", id="other"),
        pytest.param("She may be moving house.", "moving house", "POSSIBLE", id="possible"),
        pytest.param("She used to live in Leeds.", "live in Leeds", "HISTORICAL", id="historical"),
        pytest.param("If she gets the job, she will move.", "gets the job", "HYPOTHETICAL", id="if"),
        pytest.param("She says she is tired.", "tired", "CLIENT_REPORT", id="client"),
        pytest.param("Her therapist thinks she is anxious.", "anxious", "ATTRIBUTED_CLINICIAN", id="clin"),
        pytest.param("I told her to rest more.", "rest more", "DIRECTIVE", id="coach"),
    ],
)
def test_it_finds_modifiers_for_a_span_that_is_none_of_its_own_targets(sentence, target, kind):
    assert not _has_checker_targets(sentence)  # the case that used to return nothing at all
    assert kind in modifiers_for(sentence, target)


def test_it_still_stops_a_modifier_at_its_terminator_for_a_callers_span():
    sentence = "She denies headaches but reports nausea."
    assert not _has_checker_targets(sentence)
    assert "NEGATED" in modifiers_for(sentence, "headaches")
    assert "NEGATED" not in modifiers_for(sentence, "nausea")


def test_it_applies_a_callers_target_type_to_a_span_of_its_own():
    sentence = "She denies any headaches."
    # Negation is limited to some target types (rules.toml applies_to); the caller's type decides.
    assert "NEGATED" in modifiers_for(sentence, "headaches", target_type="suicide")
    assert "NEGATED" not in modifiers_for(sentence, "headaches", target_type="diagnosis")


def test_it_accepts_a_character_span_that_is_none_of_its_own_targets():
    sentence = "She denies any headaches."
    start = sentence.index("headaches")
    assert modifiers_for(sentence, (start, start + len("headaches"))) == {"NEGATED"}


def test_it_answers_the_same_for_a_span_whether_or_not_the_sentence_has_a_target_elsewhere():
    # A checker target in another clause of the sentence must not change what reaches the span.
    plain = "She denies any headaches."
    with_target = "She denies any headaches; her brother is suicidal."
    assert _has_checker_targets(with_target) and not _has_checker_targets(plain)
    assert modifiers_for(plain, "headaches") == modifiers_for(with_target, "headaches")


def test_it_leaves_the_checks_of_a_sentence_without_targets_unchanged():
    # The modifiers of a target-less sentence are resolved only when asked for, so check()
    # still finds nothing there and the sentence beside it is judged as before.
    assert check("She denies any headaches.") == []
    [finding] = check("She denies any headaches. She has been thinking about killing herself.")
    assert (finding.clause, finding.severity) == ("S2", "high")
