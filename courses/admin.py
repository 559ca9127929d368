from django.contrib import admin

from courses.models import Course, Lesson


class LessonInline(admin.TabularInline):
    model = Lesson
    readonly_fields = ("order", "slug", "title", "factor", "minutes", "published")
    fields = readonly_fields  # content comes from content/ through load_content, never from the admin
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "order", "published"]
    readonly_fields = ["slug", "source_hash"]
    inlines = [LessonInline]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "factor", "minutes", "order", "published", "updated_at"]
    list_filter = ["course", "published"]
    search_fields = ["title", "slug"]
    # Editing here would be undone by the next load_content: only publishing is a decision taken in the admin.
    readonly_fields = [f.name for f in Lesson._meta.fields if f.name != "published"]
