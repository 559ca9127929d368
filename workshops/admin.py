from django.contrib import admin

from workshops.models import Cohort, Lock, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


class LockInline(admin.TabularInline):
    model = Lock
    extra = 0


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "course", "instructor", "starts_on", "ends_on", "seat_cap", "join_open"]
    list_filter = ["course", "join_open"]
    search_fields = ["name", "instructor__username"]
    raw_id_fields = ["instructor"]
    readonly_fields = ["public_id", "created_at"]
    inlines = [MembershipInline, LockInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "cohort", "joined_at"]
    raw_id_fields = ["user"]
    search_fields = ["user__username", "cohort__name"]
