from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import MonitoringLine, PolicySetting, User


@admin.register(User)
class ShouwangUserAdmin(UserAdmin):
    list_display = ("username", "role", "place", "channel", "unit", "is_active")
    list_filter = ("role", "channel", "is_active")
    search_fields = ("username", "first_name", "last_name", "place__name")
    autocomplete_fields = ("place",)
    fieldsets = (
        *UserAdmin.fieldsets,
        ("岗位与范围", {"fields": ("role", "place", "channel", "unit")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("岗位与范围", {"fields": ("role", "place", "channel", "unit")}),
    )


@admin.register(MonitoringLine)
class MonitoringLineAdmin(admin.ModelAdmin):
    list_display = ("province", "year", "amount")


@admin.register(PolicySetting)
class PolicySettingAdmin(admin.ModelAdmin):
    list_display = ("key", "value", "effective_from", "note")
    list_filter = ("key",)
