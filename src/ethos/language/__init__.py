"""The note language checker: offline prompts for diagnosing, medication advice, risk,
reportable abuse, judgemental wording and boundary language in a coach's notes (clauses S1-S3,
S7, S8, C3, P4, P7-P9).
"""

from ethos.language.checker import Finding, applied_for, check, modifiers_for
from ethos.language.context import Work

__all__ = ["Finding", "Work", "applied_for", "check", "modifiers_for"]
