"""Evaluate the checker on the labelled corpus: precision, recall and F1 per clause.

Run from the repository root: `python -m ethos.language.evaluate` (the `make eval-language`
target). Scoring is per line: a clause counts as predicted when any finding on the line
carries it. The findings are those of `check`, the rules plus the learned layer
(`ethos.language.model`, trained by `ethos.language.train` on the dev split only, so its dev
numbers are in-sample). Name a split (`--split dev` or `--split test`) to score only that one.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ethos.language.checker import check

CLAUSES = ("S1", "S2", "S3", "S7", "S8", "C3", "P4", "P7", "P8", "P9")
CATEGORY = {
    "S1": "physical_safety",
    "S2": "suicide_risk",
    "S3": "under_influence",
    "S7": "diagnosing",
    "S8": "medication_advice",
    "C3": "reportable_abuse",
    "P4": "judgemental_wording",
    "P7": "outside_contact",
    "P8": "romantic_involvement",
    "P9": "financial_dealings",
}
SPLITS = {
    "dev": "corpus_dev.jsonl",
    "test": "corpus_test.jsonl",
    "test2": "corpus_test2.jsonl",
    # S1 only (written blind on 2026-12-02): see tests/language/GUIDELINES.md.
    "test3": "corpus_test3.jsonl",
    # S2 only (written blind on 2026-12-03): see tests/language/GUIDELINES.md.
    "test4": "corpus_test4.jsonl",
    # Ordinary note lines, no labels (written blind on 2026-12-02): every finding is a false alarm.
    "plain": "corpus_plain.jsonl",
}
DEFAULT_DIR = Path("tests") / "language"
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Item:
    """One labelled line of the corpus."""

    text: str
    labels: frozenset[str]


@dataclass(frozen=True, slots=True)
class Metrics:
    """Counts for one clause, with the derived rates."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """Return TP / (TP + FP); 1.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Return TP / (TP + FN); 1.0 when nothing was labelled."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Return the harmonic mean of precision and recall."""
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 1.0


def wilson(successes: float, trials: float, z: float = Z95) -> tuple[float, float]:
    """Return the Wilson score interval for a proportion."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def f1_interval(m: Metrics) -> tuple[float, float]:
    """Return an approximate interval for F1, read as TP / (TP + (FP + FN) / 2)."""
    return wilson(m.tp, m.tp + (m.fp + m.fn) / 2)


def load_corpus(path: Path) -> list[Item]:
    """Read a JSON-lines corpus file."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            items.append(Item(data["text"], frozenset(data["labels"])))
    return items


def predict(text: str) -> frozenset[str]:
    """Return the clauses the checker flags on a line."""
    return frozenset(f.clause for f in check(text))


def score(items: Iterable[Item]) -> tuple[dict[str, Metrics], list[tuple[Item, frozenset[str]]]]:
    """Return metrics per clause and the items the checker got wrong."""
    counts = {c: [0, 0, 0] for c in CLAUSES}
    errors = []
    for item in items:
        predicted = predict(item.text)
        if predicted != item.labels:
            errors.append((item, predicted))
        for clause in CLAUSES:
            if clause in predicted and clause in item.labels:
                counts[clause][0] += 1
            elif clause in predicted:
                counts[clause][1] += 1
            elif clause in item.labels:
                counts[clause][2] += 1
    return {c: Metrics(*v) for c, v in counts.items()}, errors


def _interval(lo_hi: tuple[float, float]) -> str:
    """Format an interval."""
    return f"[{lo_hi[0]:.2f}, {lo_hi[1]:.2f}]"


def report(name: str, metrics: dict[str, Metrics], size: int) -> str:
    """Return a table of the metrics of one split."""
    lines = [
        f"{name} split: {size} lines (95% Wilson intervals; F1 interval approximate)",
        f"{'clause':<6} {'category':<21} {'TP':>3} {'FP':>3} {'FN':>3}  "
        f"{'precision':<19} {'recall':<19} {'F1':<19}",
    ]
    for clause, m in metrics.items():
        p_ci = _interval(wilson(m.tp, m.tp + m.fp))
        r_ci = _interval(wilson(m.tp, m.tp + m.fn))
        lines.append(
            f"{clause:<6} {CATEGORY[clause]:<21} {m.tp:>3} {m.fp:>3} {m.fn:>3}  "
            f"{m.precision:.2f} {p_ci:<14} {m.recall:.2f} {r_ci:<14} "
            f"{m.f1:.2f} {_interval(f1_interval(m))}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print precision, recall and F1 per clause for every split, or for the one named."""
    parser = argparse.ArgumentParser(prog="eval-language", description=__doc__)
    parser.add_argument("--corpus-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument(
        "--split", choices=[*SPLITS, "all"], default="all", help="report one split only (default: all)"
    )
    parser.add_argument("--errors", action="store_true", help="list the lines scored wrong")
    args = parser.parse_args(argv)
    names = list(SPLITS) if args.split == "all" else [args.split]
    for name in names:
        path = args.corpus_dir / SPLITS[name]
        try:
            items = load_corpus(path)
        except OSError as exc:
            parser.exit(2, f"eval-language: cannot read {path}: {exc.strerror}\n")
        metrics, errors = score(items)
        print(report(name, metrics, len(items)))
        if args.errors:
            for item, predicted in errors:
                print(f"  labels {sorted(item.labels)} got {sorted(predicted)}: {item.text}")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
