"""Certificates: the owner's list and printable page, and the public verification page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from config.http import AuthenticatedHttpRequest, HtmxHttpRequest
from courses.models import Course
from teams import certificates
from teams.selectors import course_certificate_candidates


@login_required
@require_GET
def certificate_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "certificates": certificates.certificates_for(request.user),
        "courses": course_certificate_candidates(request.user),
    }
    return render(request, "teams/certificates.html", context)


@login_required
@require_POST
def course_certificate_claim(request: AuthenticatedHttpRequest, course_slug: str) -> HttpResponse:
    course = get_object_or_404(Course.objects.published(), slug=course_slug)
    try:
        certificate = certificates.certificate_issue_for_course(user=request.user, course=course)
    except certificates.NotEligible as error:
        messages.error(request, str(error))
        return redirect("teams:certificates")
    return redirect(certificate)


@login_required
@require_GET
def certificate_detail(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    certificate = certificates.certificate_for_owner(user=request.user, public_id=public_id)
    verify_url = request.build_absolute_uri(certificate.get_verification_url())
    return render(request, "teams/certificate.html", {"certificate": certificate, "verify_url": verify_url})


@require_GET
def verify(request: HtmxHttpRequest, code: str) -> HttpResponse:
    certificate = certificates.certificate_verify(code=code)
    response = render(request, "teams/verify.html", {"certificate": certificate}, status=200 if certificate else 404)
    response["X-Robots-Tag"] = "noindex"
    return response
