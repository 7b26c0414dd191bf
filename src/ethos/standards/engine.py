"""The rule engine: rules registered per clause and point, evaluated into a Verdict.

A rule is a small pure function `rule(facts) -> Iterable[Finding]`, registered with
`@rule("S9", Point.INTAKE_SUBMIT)`. `evaluate(point, facts)` runs every rule at the point and
returns a Verdict; it touches no database. `services.enforce` is what a workflow calls: it
evaluates, writes the audit event and opens items for unmet requirements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .catalog import Clause, Strength, catalog
from .facts import Facts
from .points import Point

RULE_UNKNOWN_CLAUSE = "Rule {name} is registered for clause {clause!r}, which is not in the catalog."
RULE_POINT_NOT_IN_CATALOG = (
    "Rule {name} applies clause {clause} at {point}, but the catalog does not list {point} for {clause}."
)
RULE_DUPLICATE = "Rule {name} is registered twice for {clause} at {point}."
FINDING_WRONG_CLAUSE = "Rule {name} for {clause} returned a finding for {other}."
FINDING_WRONG_STRENGTH = (
    "Rule {name} returned a {strength} finding, which the catalog does not give {clause}."
)
FINDING_NO_RECORDS = "A 'require' finding must name the record types that resolve it."
FINDING_NO_PRACTICE_RULE = "A finding of {clause} cites a practice rule, but the catalog gives {clause} none."
FINDING_UNKNOWN_RECORD = "Finding names an unknown record type {name!r} (see [record_types] in catalog.toml)."

HEADLINE_BLOCKED = "Ethos will not do this. Here is why, and what helps instead."
HEADLINE_REQUIRES = "This needs a record before it can go ahead."
HEADLINE_FOLLOW_UP = "This can go ahead, and something needs recording afterwards."
HEADLINE_WARNS = "Worth a pause before you go on."
HEADLINE_RECORDS = "Noted for your records."
# A clean verdict claims only what was checked: the rules at this point, not the whole code.
HEADLINE_CLEAN = "No rule at this point found a problem."


@dataclass(frozen=True)
class Subject:
    """What a verdict is about, by type and id only (an intake, a session, the practice)."""

    type: str
    id: str
    # False for a record the action was about to create: if the action is stopped, it never
    # exists, so no open item may point at it.
    exists: bool = field(default=True, compare=False)

    @classmethod
    def of(cls, obj) -> Subject:
        return cls(type=obj._meta.model_name, id=str(obj.pk), exists=not obj._state.adding)


@dataclass(frozen=True)
class Finding:
    """One clause speaking at one point.

    `records` names the record types (catalog [record_types]) that resolve a "require" finding.
    A "require" with `follow_up=True` lets the action go ahead and keeps an open item until the
    record exists; without it, the action waits for the record.
    """

    clause: str
    strength: Strength
    message: str
    resolution: str
    records: tuple[str, ...] = ()
    follow_up: bool = False
    # True when the finding comes from a rule Ethos adds (the clause's practice_rule in the
    # catalog), not from the code's own words: the coach is told which is which.
    practice_rule: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "strength", Strength(self.strength))
        if self.practice_rule and not catalog()[self.clause].practice_rule:
            raise ValueError(FINDING_NO_PRACTICE_RULE.format(clause=self.clause))
        if self.strength is Strength.REQUIRE and not self.records:
            raise ValueError(FINDING_NO_RECORDS)
        known = catalog().record_types
        for name in self.records:
            if name not in known:
                raise ValueError(FINDING_UNKNOWN_RECORD.format(name=name))

    @property
    def stops(self) -> bool:
        """Say whether this finding keeps the action from completing now."""
        return self.strength is Strength.BLOCK or (self.strength is Strength.REQUIRE and not self.follow_up)

    @property
    def clause_entry(self) -> Clause:
        return catalog()[self.clause]

    @property
    def record_labels(self) -> list[str]:
        types = catalog().record_types
        return [types[name].label for name in self.records]

    def as_dict(self) -> dict:
        """Return the finding as plain data (for the audit log and JSON): no client identity."""
        return {
            "clause": self.clause,
            "strength": self.strength.value,
            "message": self.message,
            "records": list(self.records),
            "follow_up": self.follow_up,
            "practice_rule": self.practice_rule,
        }


@dataclass(frozen=True)
class Verdict:
    """All findings at one point for one set of facts: may the action proceed, and what is owed."""

    point: Point
    findings: tuple[Finding, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def allowed(self) -> bool:
        """Say whether the action may proceed now (no block, no requirement it must wait for)."""
        return not any(finding.stops for finding in self.findings)

    @property
    def blocked(self) -> bool:
        return any(finding.strength is Strength.BLOCK for finding in self.findings)

    def _with(self, strength: Strength) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.strength is strength)

    @property
    def blocks(self) -> tuple[Finding, ...]:
        return self._with(Strength.BLOCK)

    @property
    def requires(self) -> tuple[Finding, ...]:
        """Return the findings that still need a record (each names the record types)."""
        return self._with(Strength.REQUIRE)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return self._with(Strength.WARN)

    @property
    def clauses(self) -> tuple[str, ...]:
        """Return the clause ids of the findings, once each, in catalog order."""
        return tuple(dict.fromkeys(finding.clause for finding in self.findings))

    @property
    def headline(self) -> str:
        if self.clean:
            return HEADLINE_CLEAN
        if self.blocked:
            return HEADLINE_BLOCKED
        if not self.allowed:
            return HEADLINE_REQUIRES
        if self.requires:
            return HEADLINE_FOLLOW_UP
        return HEADLINE_WARNS if self.warnings else HEADLINE_RECORDS

    @property
    def tone(self) -> str:
        """Return a CSS modifier for the panel: stop, wait, follow, pause or note."""
        if self.blocked:
            return "stop"
        if not self.allowed:
            return "wait"
        if self.requires:
            return "follow"
        return "pause" if self.warnings else "note"

    def panel(self) -> SafeString:
        """Render the verdict as the calm panel the coach sees (standards/verdict.html#panel)."""
        return render_to_string("standards/verdict.html#panel", {"verdict": self})

    def as_dict(self) -> dict:
        return {
            "point": self.point.value,
            "allowed": self.allowed,
            "findings": [finding.as_dict() for finding in self.findings],
        }


class ActionStopped(Exception):
    """The one way an action is stopped: `verdict` says why and what resolves it.

    Raised by `standards.services.enforce` inside `action()`, which writes the finding and
    lets this go on to the view, which shows `verdict.panel()`. `coach` and `subject` say whose
    finding it is; `recorded` turns true once the finding is written.
    """

    def __init__(self, verdict: Verdict, *, coach=None, subject: Subject | None = None) -> None:
        super().__init__(f"{verdict.point}: stopped by {', '.join(verdict.clauses)}")
        self.verdict = verdict
        self.coach = coach
        self.subject = subject
        self.recorded = False


RuleFunction = Callable[[Facts], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    clause: str
    point: Point
    function: RuleFunction = field(compare=False)

    @property
    def name(self) -> str:
        return f"{self.function.__module__}.{self.function.__qualname__}"


_rules: dict[Point, list[Rule]] = {point: [] for point in Point}


def rule(clause: str, *points: Point) -> Callable[[RuleFunction], RuleFunction]:
    """Register a function as the rule for `clause` at each of `points`."""

    def register(function: RuleFunction) -> RuleFunction:
        name = f"{function.__module__}.{function.__qualname__}"
        entries = catalog()
        if clause not in entries:
            raise ImproperlyConfigured(RULE_UNKNOWN_CLAUSE.format(name=name, clause=clause))
        for point in points:
            point = Point(point)
            if point not in entries[clause].points:
                raise ImproperlyConfigured(
                    RULE_POINT_NOT_IN_CATALOG.format(name=name, clause=clause, point=point)
                )
            new = Rule(clause=clause, point=point, function=function)
            if any(r.clause == clause and r.function is function for r in _rules[point]):
                raise ImproperlyConfigured(RULE_DUPLICATE.format(name=name, clause=clause, point=point))
            _rules[point].append(new)
        return function

    return register


def rules_at(point: Point) -> tuple[Rule, ...]:
    return tuple(_rules[Point(point)])


def all_rules() -> tuple[Rule, ...]:
    return tuple(r for point in Point for r in _rules[point])


def clauses_at(point: Point) -> tuple[str, ...]:
    """Return the clauses that have a rule at `point`, in catalog order."""
    entries = catalog()
    return tuple(sorted({r.clause for r in _rules[Point(point)]}, key=entries.order))


def _checked(rule_: Rule, finding: Finding) -> Finding:
    if finding.clause != rule_.clause:
        raise ImproperlyConfigured(
            FINDING_WRONG_CLAUSE.format(name=rule_.name, clause=rule_.clause, other=finding.clause)
        )
    if finding.strength not in catalog()[rule_.clause].strengths:
        raise ImproperlyConfigured(
            FINDING_WRONG_STRENGTH.format(name=rule_.name, strength=finding.strength, clause=rule_.clause)
        )
    return finding


def evaluate(point: Point | str, facts: Facts) -> Verdict:
    """Run every rule registered at `point` on `facts`; touch no database."""
    point = Point(point)
    found = [_checked(r, finding) for r in _rules[point] for finding in r.function(facts)]
    order = catalog().order
    strengths = list(Strength)
    found.sort(key=lambda f: (order(f.clause), strengths.index(f.strength)))
    return Verdict(point=point, findings=tuple(found))


def consult(facts: Facts) -> tuple[Verdict, ...]:
    """Evaluate the facts at every point and return the verdicts that are not clean."""
    verdicts = (evaluate(point, facts) for point in Point)
    return tuple(verdict for verdict in verdicts if not verdict.clean)
