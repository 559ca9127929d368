from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from config.http import AuthenticatedHttpRequest, HtmxHttpRequest
from courses.access import locked_response
from labs import selectors
from labs.forms import SubmissionForm
from labs.models import Lab
from labs.services import StorageFull, SubmissionInvalid, submission_create


@require_GET
def lab_detail(request: HtmxHttpRequest, course_slug: str, lab_slug: str) -> HttpResponse:
    lab = selectors.lab_get(course_slug=course_slug, lab_slug=lab_slug)
    if locked := locked_response(request, course=lab.course, kind="lab", slug=lab.slug, title=lab.title):
        return locked
    submissions = selectors.user_submissions(request.user, lab=lab)[:20] if request.user.is_authenticated else []
    refused = request.session.pop(_refusal_key(lab), None) or {}
    context = {
        "lab": lab,
        "course": lab.course,
        "form": SubmissionForm(initial={"git_url": refused.get("git_url", "")}),
        "submissions": submissions,
        "submit_errors": refused.get("errors", []),
        "archive_dropped": refused.get("archive_name", ""),
    }
    return render(request, "labs/lab.html", context)


def storage_full(
    request: AuthenticatedHttpRequest, lab: Lab, form: SubmissionForm, refusal: StorageFull
) -> HttpResponse:
    upload = request.FILES.get("archive")
    context = {
        "lab": lab,
        "course": lab.course,
        "form": form,
        "submissions": selectors.user_submissions(request.user, lab=lab)[:20],
        "submit_errors": [str(refusal)],
        "archive_dropped": (upload.name or "")[:200] if upload else "",
    }
    response = render(request, "labs/lab.html", context, status=507)
    response["Retry-After"] = str(StorageFull.retry_after_seconds)
    return response


def _refusal_key(lab) -> str:
    return f"labs:refused:{lab.pk}"


@login_required
@require_http_methods(["POST"])
def submit(request: AuthenticatedHttpRequest, course_slug: str, lab_slug: str) -> HttpResponse:
    lab = selectors.lab_get(course_slug=course_slug, lab_slug=lab_slug)
    if locked := locked_response(request, course=lab.course, kind="lab", slug=lab.slug, title=lab.title):
        return locked
    form = SubmissionForm(request.POST, request.FILES)
    errors = [f"{form.fields[name].label}: {message}" for name, messages in form.errors.items() for message in messages]
    if not errors:
        try:
            submission = submission_create(
                lab=lab, user=request.user, upload=form.cleaned_data["archive"], git_url=form.cleaned_data["git_url"]
            )
        except StorageFull as refusal:
            # Our fault, not the learner's: said at once with a 507 and a retry hint (posting again is the fix).
            return storage_full(request, lab, form, refusal)
        except SubmissionInvalid as refusal:
            errors = [str(refusal)]
        else:
            return redirect(submission)
    # Post/redirect/get: the refusal and what was typed survive the redirect (a browser cannot refill a file
    # input, so the page names the file to choose again), and a reload does not post the form a second time.
    upload = request.FILES.get("archive")
    request.session[_refusal_key(lab)] = {
        "errors": errors,
        "git_url": request.POST.get("git_url", "")[:500],
        "archive_name": (upload.name or "")[:200] if upload else "",
    }
    return redirect(lab.get_absolute_url() + "#submit-heading")


@require_GET
def starter_download(request: HtmxHttpRequest, course_slug: str, lab_slug: str, kind: str) -> HttpResponse:
    starter = selectors.lab_starter(course_slug=course_slug, lab_slug=lab_slug)
    if starter is None or kind not in ("zip", "bundle"):
        raise Http404("No such download.")
    if kind == "zip":
        response = HttpResponse(bytes(starter.zip_bytes), content_type="application/zip")
    else:
        response = HttpResponse(bytes(starter.bundle_bytes), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{lab_slug}-starter.{kind}"'
    return response


@login_required
@require_GET
def submission_detail(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    submission = selectors.submission_for_user(public_id, user=request.user)
    scorecard = getattr(submission, "scorecard", None)
    groups = selectors.checks_by_factor(scorecard.checks) if scorecard else []
    context = {
        "submission": submission,
        "lab": submission.lab,
        "queue_position": selectors.queue_position(submission),
        "progress_groups": selectors.checks_by_factor(submission.progress),
        "groups": groups,
        "blocking": [check["title"] for group in groups for check in group["checks"] if check["blocks_passing"]],
        "lesson_titles": selectors.lesson_titles(submission.lab.course) if groups else {},
        "scorecard": scorecard,
        "changes": selectors.changes_since_previous(submission),
    }
    if request.htmx:
        return render(request, "labs/submission.html#status", context)
    return render(request, "labs/submission.html", context)


@login_required
@require_GET
def submission_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "labs/submission_list.html", {"submissions": selectors.user_submissions(request.user)})
