"""The code of ethics as data, the rule engine that applies it, and the compliance report.

Read in this order:

1. ``catalog.toml``  every clause (S1-S10, C1-C3, P1-P14, E1) in our own words, with its
   strengths, the enforcement points where it applies and the records that evidence it.
2. ``points.py``     the enforcement points, named once (``Point.SESSION_START`` ...).
3. ``facts.py``      ``Facts``: the one vocabulary of plain facts every rule reads.
4. ``engine.py``     ``Finding``, ``Verdict``, ``@rule(clause, *points)``, ``evaluate(point, facts)``.
5. ``rules.py``      the rules themselves: small pure functions, one clause each.
6. ``services.py``   ``action()`` and ``enforce(*, coach, point, facts, subject)``: what a
   workflow calls. A stopped action raises ``ActionStopped`` (the one way to stop anything);
   ``action()`` rolls the writes back and keeps the finding (``standards.finding`` in the audit
   log, open items for unmet requirements); ``open_item_resolve`` closes an item with the
   record it named.
7. ``evidence.py`` and ``selectors.py``  the compliance report and how apps feed it.

A workflow service, in full::

    with action():   # one transaction; a stop rolls it back and keeps only the finding
        verdict = enforce(coach=coach, point=Point.SESSION_START, facts=facts, subject=Subject.of(session))
        ...validate, write, audit_append(...)...

and its view::

    try:
        session_start(coach=request.user, session=session, ...)
    except ActionStopped as stopped:
        return render(request, "...", {"verdict": stopped.verdict}, status=409)
"""
