from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from . import selectors
from .checkpoint import CheckpointError
from .forms import ActivityFilterForm, CheckpointForm

CONSISTENT = "Your activity log still contains everything your browser saw before."
INCONSISTENT = (
    "Warning: your activity log does not match what this browser saw before. Events may have been "
    "removed or changed on the server. Download a backup and tell the association."
)
UNREADABLE = "The checkpoint this browser kept could not be read, so the log could not be checked against it."
# Each event carries its technical detail (the signed checkpoint); 25 make a page that reads
# and renders quickly, the same as the client list.
PAGE_SIZE = 25
# Set at sign-in: the next page asks the browser to prove the log still extends its checkpoint.
CHECK_CHECKPOINT = "ethos_check_checkpoint"


def activity(request: HttpRequest) -> HttpResponse:
    coach = request.user
    form = ActivityFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    actions = form.actions()
    since, until = filters.get("since"), filters.get("until")
    events = selectors.events_for(coach, action=actions, since=since, until=until)
    head = selectors.request_chain_head(request)
    filtered = bool(actions or since or until)
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = selectors.activity_page(
        events, number=number, size=PAGE_SIZE, total=None if filtered else head.size
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "entries": selectors.activity_entries(page),
        "head": head,
        "query": query.urlencode(),
    }
    return render(request, "audit/activity.html", context)


def checkpoint_download(request: HttpRequest) -> HttpResponse:
    head = selectors.chain_head(request.user)
    response = HttpResponse(head.checkpoint, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ethos-checkpoint-{head.size}.txt"'
    return response


@require_POST
def consistency(request: HttpRequest) -> JsonResponse:
    """Check the log against the checkpoint the coach's browser kept (sent by checkpoint.js)."""
    form = CheckpointForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"ok": False, "message": UNREADABLE}, status=400)
    try:
        report = selectors.consistency_with(request.user, form.cleaned_data["checkpoint"])
    except CheckpointError:
        return JsonResponse({"ok": False, "message": UNREADABLE}, status=400)
    head = selectors.chain_head(request.user)
    if report.ok:
        request.session.pop(CHECK_CHECKPOINT, None)
        return JsonResponse({"ok": True, "message": CONSISTENT, "checkpoint": head.checkpoint})
    return JsonResponse({"ok": False, "message": INCONSISTENT, "problems": report.problems})
