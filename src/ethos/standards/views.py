"""Pages of the standards engine: the compliance report and its exports, open items, the ethics desk."""

from __future__ import annotations

import functools
from html import escape
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ethos.audit.selectors import request_chain_head

from . import export, selectors, services, subjects
from .catalog import CODE_SAYS_LABEL, PRACTICE_RULE_LABEL, catalog
from .forms import DESK_UNREADABLE, DeskForm, desk_initial
from .witness import WitnessRefused

# The desk's answer when no rule found anything: it claims only what the rules checked.
DESK_CLEAN = (
    "No rule Ethos checks found a problem with what you described. The rules cover only part of "
    "the code, so this is not a ruling that the code allows it."
)
WITNESSED = "The association witnessed your log at {size} events and cosigned its checkpoint."


@functools.cache
def clause_headings() -> dict[str, str]:
    """Each clause's heading cell on the compliance page, rendered once per process.

    The catalog is read once and never changes while Ethos runs, and the heading holds only what
    the catalog says (no coach's data): rendering its thirty headings on every view was a third
    of the page's template time.
    """
    labels = {"code_says_label": CODE_SAYS_LABEL, "practice_rule_label": PRACTICE_RULE_LABEL}
    return {
        clause.id: render_to_string("standards/_clause_heading.html", {"clause": clause, **labels})
        for clause in catalog()
    }


ATTENTION_CLASS = ' class="compliance__attention"'


@functools.cache
def status_cell(status: selectors.Status) -> str:
    """A status's cell on the compliance page: six statuses, each rendered once per process."""
    return format_html(
        '<td><span class="status status--{}">{}</span><p class="compliance__none">{}</p></td>',
        status.tone,
        status.label,
        status.note,
    )


def evidence_cell(row: selectors.ReportRow) -> str:
    """A clause's evidence list, as the template wrote it; built here, a line a microsecond or two.

    The report has a hundred lines of evidence: through the template language they were the larger
    part of the page's rendering. `escape` is the standard library's, which Django's own wraps.
    """
    if not row.evidence:
        sources = escape(", ".join(row.clause.record_sources))
        # nosec B308 B703 - the sources are escaped
        return mark_safe(f'<p class="compliance__none">Where it will come from: {sources}.</p>')  # noqa: S308  # nosec
    lines = []
    for line in row.evidence:
        attention = ATTENTION_CLASS if line.attention else ""
        label = line.basis.label
        basis = f' <em class="compliance__basis">({escape(label)})</em>' if label else ""
        lines.append(f"<li{attention}>{escape(line.text)}{basis}</li>")
    # Every line's text and label are escaped above; the rest is this function's own markup.
    return mark_safe(f'<ul class="compliance__evidence">{"".join(lines)}</ul>')  # noqa: S308  # nosec


@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    # The page's navigation reads the log's head too: one read serves both.
    report = selectors.compliance_report(coach=request.user, chain=request_chain_head(request))
    headings = clause_headings()
    rows = [
        (row, headings[row.clause.id], status_cell(row.status), evidence_cell(row)) for row in report.rows
    ]
    cosignature = selectors.latest_cosignature(request.user)
    return render(
        request, "standards/compliance.html", {"report": report, "rows": rows, "cosignature": cosignature}
    )


@require_POST
def compliance_submit(request: HttpRequest) -> HttpResponse:
    try:
        kept = services.report_submit(coach=request.user)
    except WitnessRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, WITNESSED.format(size=kept.size))
    return redirect("standards:compliance")


@require_GET
def compliance_cosigned(request: HttpRequest) -> HttpResponse:
    cosignature = selectors.latest_cosignature(request.user)
    if cosignature is None:
        raise Http404("The association has not cosigned a checkpoint of your log yet.")
    response = HttpResponse(cosignature.note, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ethos-checkpoint-{cosignature.size}.txt"'
    return response


@require_GET
def compliance_export(request: HttpRequest, export_format: str) -> HttpResponse:
    if export_format not in export.FORMATS:
        raise Http404("No such export format.")
    exported = services.report_export(coach=request.user, export_format=export_format)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    stamp = timezone.localtime(exported.generated_at).strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="ethos-compliance-{stamp}.{export_format}"'
    return response


@require_GET
def open_item(request: HttpRequest, pk) -> HttpResponse:
    item = selectors.get_open_item_for_coach(request.user, pk)
    subject = subjects.describe(request.user, [item]).get((item.subject_type, item.subject_id))
    # The page the owning app registered comes first: it knows the client, the clause and the way back.
    links = [
        (label, (subjects.page_for(item, name) if item.is_open else None) or url)
        for name, (label, url) in zip(item.record_type_list, selectors.record_links(item), strict=True)
    ]
    context = {
        "item": item,
        "subject": subject,
        "links": links,
        "resolved_label": _record_label(item.resolved_record_type),
        "clause": catalog()[item.clause],
        "code_says_label": CODE_SAYS_LABEL,
        "practice_rule_label": PRACTICE_RULE_LABEL,
    }
    return render(request, "standards/open_item.html", context)


def _record_label(name: str) -> str:
    record_type = catalog().record_types.get(name)
    return record_type.label if record_type else name


@functools.lru_cache(maxsize=64)
def _blank_desk_fields(initial: tuple[tuple[str, Any], ...]) -> str:
    """Render the desk's fields, unanswered, from the practice's defaults (an age of majority).

    Rendering its fourteen fields and their seventy options through Django's form templates was
    most of the page's time; blank, they depend only on these defaults, never on anything typed.
    """
    return render_to_string("standards/ask.html#fields", {"form": DeskForm(initial=dict(initial))})


@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    initial = desk_initial(request.user)
    form = DeskForm(request.POST or None, initial=initial)
    context = {"form": form, "verdicts": None, "unreadable": None, "clean_answer": DESK_CLEAN}
    if not form.is_bound:
        context["fields_html"] = _blank_desk_fields(tuple(sorted(initial.items())))
    if request.method == "POST":
        if form.is_valid():
            context["verdicts"] = services.desk_consult(coach=request.user, facts=form.facts())
        else:
            context["unreadable"] = DESK_UNREADABLE
    template = "standards/ask.html#answer" if request.htmx else "standards/ask.html"
    return render(request, template, context, status=200)
