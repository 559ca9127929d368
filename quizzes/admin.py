from django.contrib import admin

from quizzes.models import Answer, Attempt, Question, QuestionVersion, Quiz


class QuestionInline(admin.TabularInline):
    model = Question
    readonly_fields = ("order", "key", "current_version", "published")
    fields = readonly_fields  # content comes from content/ through load_content, never from the admin
    extra = 0
    can_delete = False


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "slug", "lesson", "pass_mark", "feedback", "display", "published"]
    list_filter = ["course", "published", "feedback"]
    readonly_fields = ["course", "slug", "lesson", "source_path"]
    inlines = [QuestionInline]


@admin.register(QuestionVersion)
class QuestionVersionAdmin(admin.ModelAdmin):
    list_display = ["question", "type", "factor", "content_hash", "created_at"]
    list_filter = ["type", "factor"]
    readonly_fields = [f.name for f in QuestionVersion._meta.fields]


class AnswerInline(admin.TabularInline):
    model = Answer
    readonly_fields = ("item", "given", "credit", "updated_at")
    fields = readonly_fields
    extra = 0
    can_delete = False


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["user", "quiz", "number", "started_at", "submitted_at", "score", "passed"]
    list_filter = ["quiz", "passed"]
    search_fields = ["user__username"]
    readonly_fields = [f.name for f in Attempt._meta.fields]
    inlines = [AnswerInline]
