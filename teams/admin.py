from django.contrib import admin

from teams.models import (
    Assessment,
    AssessmentQuiz,
    Assignment,
    Certificate,
    Invitation,
    Membership,
    Organisation,
    QuestionPool,
    Reminder,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "public_id", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(QuestionPool)
class QuestionPoolAdmin(admin.ModelAdmin):
    list_display = ["quiz", "organisation", "source_name", "format", "created_at"]
    list_select_related = ["quiz", "organisation"]
    raw_id_fields = ["quiz", "created_by"]


class AssessmentQuizInline(admin.TabularInline):
    model = AssessmentQuiz
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "deadline", "pass_mark", "attempts_allowed", "feedback"]
    list_filter = ["feedback", "organisation"]
    search_fields = ["title"]
    filter_horizontal = ["labs"]
    inlines = [AssessmentQuizInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["assessment", "user", "assigned_at", "score", "passed_at"]
    list_filter = ["assessment__organisation"]
    raw_id_fields = ["user"]
    search_fields = ["user__username", "assessment__title"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "assessment", "created_at", "accepted_at"]
    exclude = ["token"]
    raw_id_fields = ["accepted_by", "invited_by"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["assignment", "kind", "sent_at"]
    list_filter = ["kind"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["title", "holder_name", "kind", "issued_at", "revoked"]
    list_filter = ["kind", "revoked"]
    search_fields = ["holder_name", "title"]
    raw_id_fields = ["user"]
