from django.urls import path

from teams.views import admin, certificates, learner

app_name = "teams"

assessment = "assessments/<uuid:public_id>/"
part = "assignments/<uuid:public_id>/parts/<int:part_id>/"
attempt = part + "attempts/<int:number>/"

urlpatterns = [
    path("", admin.organisations, name="organisations"),
    path("new/", admin.organisation_create, name="organisation_create"),
    path("o/<uuid:public_id>/", admin.organisation_detail, name="organisation"),
    path("o/<uuid:public_id>/invite/", admin.organisation_invite, name="organisation_invite"),
    path("o/<uuid:public_id>/assessments/new/", admin.assessment_create, name="assessment_create"),
    path("o/<uuid:public_id>/question-banks/import/", admin.pool_import, name="pool_import"),
    path(assessment, admin.assessment_detail, name="assessment"),
    path(assessment + "assign/", admin.assessment_assign, name="assessment_assign"),
    path(assessment + "invite/", admin.assessment_invite, name="assessment_invite"),
    path(assessment + "report.csv", admin.assessment_export_csv, name="assessment_csv"),
    path(assessment + "report.json", admin.assessment_export_json, name="assessment_json"),
    path("assignments/", learner.assignments, name="assignments"),
    path("assignments/<uuid:public_id>/", learner.assignment_detail, name="assignment"),
    path(part + "start/", learner.attempt_start, name="attempt_start"),
    path(attempt, learner.attempt_detail, name="attempt"),
    path(attempt + "questions/<int:position>/", learner.answer, name="answer"),
    path(attempt + "submit/", learner.attempt_submit, name="attempt_submit"),
    path("invitations/<str:token>/", learner.invitation, name="invitation"),
    path("certificates/", certificates.certificate_list, name="certificates"),
    path("certificates/course/<slug:course_slug>/", certificates.course_certificate_claim, name="course_certificate"),
    path("certificates/<uuid:public_id>/", certificates.certificate_detail, name="certificate"),
    path("verify/<str:code>/", certificates.verify, name="verify"),
]
