from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist

from monitor.admin import AuditedAdmin, trail_link

from .models import Check, Household, Member, Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    list_display = ("number", "head_name", "village", "poverty_status", "household_class",
                    "key_group", "monitoring_category")
    list_filter = ("poverty_status", "household_class", "key_group", "monitoring_category")
    search_fields = ("number", "head_name")
    autocomplete_fields = ("village", "info_officer")
    readonly_fields = ("household_class", "key_group", "monitoring_category", "trail")
    inlines = [MemberInline]

    @admin.display(description="操作记录")
    def trail(self, household):
        return trail_link(household) if household.pk else "—"


@admin.register(Check)
class CheckAdmin(AuditedAdmin):
    list_display = ("household", "visit_date", "kind", "officer_name", "evaluated_at")
    list_filter = ("kind",)
    search_fields = ("household__number",)
    raw_id_fields = ("household",)

    exclude = ("members",)  # shown as a person reads it: members_shown
    readonly_fields = ("members_shown",)

    def has_change_permission(self, request, obj=None):
        return False  # a correction is a new check (domain.md §4)

    @admin.display(description="家庭成员（排查时）")
    def members_shown(self, check) -> str:
        """Each member as the check saw them, in the member table's Chinese labels."""
        return "；".join("，".join(f"{label(key)}：{shown(value)}" for key, value in seen.items())
                        for seen in check.members or [])


def label(key: str) -> str:
    try:
        return str(Member._meta.get_field(key).verbose_name)
    except FieldDoesNotExist:
        return key


def shown(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return "—" if value in (None, "") else str(value)
