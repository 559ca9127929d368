from django.contrib import admin
from django.utils.html import format_html, format_html_join

from labs.models import Lab, Scorecard, Submission


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "slug", "pass_mark", "has_starter", "order", "published"]
    list_filter = ["course", "published"]
    # Labs come from content/ through load_content; only publishing is decided here.
    readonly_fields = [f.name for f in Lab._meta.fields if f.name != "published"]


class ScorecardInline(admin.StackedInline):
    model = Scorecard
    readonly_fields = ("score", "passed", "error", "created_at", "checks_table")
    fields = readonly_fields
    can_delete = False
    extra = 0

    @admin.display(description="Checks")
    def checks_table(self, scorecard: Scorecard) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}/{}</td><td>{}</td></tr>",
            (
                [check.get(key, "") for key in ("id", "status", "points", "max_points", "evidence")]
                for check in scorecard.checks
            ),
        )
        return format_html(
            "<table><thead><tr><th>Check</th><th>Status</th><th>Points</th><th>Evidence</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["public_id", "user", "lab", "status", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "lab"]
    search_fields = ["user__username", "public_id", "git_url", "original_name"]
    date_hierarchy = "created_at"
    # A grade is the grader's, never hand-edited: every field is shown, none is changed.
    readonly_fields = [f.name for f in Submission._meta.fields]
    inlines = [ScorecardInline]

    def has_add_permission(self, request) -> bool:
        return False
