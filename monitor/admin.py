from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from .audit import audit_bulk, audit_event, audit_record, diff
from .models import (
    AUDIT_KINDS,
    AuditAction,
    AuditEvent,
    AuditSource,
    MonitoringLine,
    PolicySetting,
    User,
)
from .parameters import DEFAULTS
from .services import admin_site_access


class PasswordChangeForm(AdminPasswordChangeForm):
    """Django's form, with the warning it leaves untranslated (an English literal in
    django.contrib.auth.forms) said in Chinese."""

    usable_password_help_text = (
        "该用户是否可以使用密码登录。如果禁用，该用户仍可能通过其他方式（如单点登录或 LDAP）登录。"
        '<ul id="id_unusable_warning" class="messagelist"><li class="warning">'
        "如果禁用，该用户当前的密码将失效。</li></ul>")


@admin.register(User)
class ShouwangUserAdmin(UserAdmin):
    change_password_form = PasswordChangeForm
    list_display = ("username", "first_name", "role", "place", "channel", "unit", "is_active")
    list_filter = ("role", "channel", "is_active")
    search_fields = ("username", "first_name", "last_name", "place__name")
    autocomplete_fields = ("place",)
    fieldsets = (
        *UserAdmin.fieldsets,
        ("岗位与范围", {"fields": ("role", "place", "channel", "unit", "phone")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("岗位与范围", {"fields": ("role", "place", "channel", "unit", "phone")}),
    )

    def get_queryset(self, request):
        """County IT's own superuser accounts are not the administrator role's to manage:
        an administrator who could change one could set its password and become it."""
        users = super().get_queryset(request)
        return users if request.user.is_superuser else users.exclude(is_superuser=True)

    def get_readonly_fields(self, request, obj=None):
        """What the admin site may do follows the role (admin_site_access): only a
        superuser touches the permissions themselves."""
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("is_staff", "is_superuser", "groups", "user_permissions", "last_login",
                "date_joined")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not request.user.is_superuser or "role" in form.changed_data:
            admin_site_access(obj)


# ── The audit trail (monitor/audit.py) ────────────────────────────────────────────────

class AuditedAdmin(admin.ModelAdmin):
    """Edits made in the admin go into the audit trail (source 管理后台): an addition, a
    change with the changed fields old → new (the form's changed_data), a deletion, and
    the same for inline rows (a household's members). The admin wraps each save and
    delete in a transaction, so the edit and its event are committed together."""

    def save_model(self, request, obj, form, change):
        before = type(obj).objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        _audit_saved(request.user, obj, before, form.changed_data)

    def delete_model(self, request, obj):
        event = audit_event(actor=request.user, action=AuditAction.DELETED, obj=obj,
                            source=AuditSource.ADMIN)
        super().delete_model(request, obj)
        event.save(force_insert=True)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            events = [audit_event(actor=request.user, action=AuditAction.DELETED, obj=obj,
                                  source=AuditSource.ADMIN) for obj in queryset]
            super().delete_queryset(request, queryset)
            audit_bulk(events)

    def save_formset(self, request, form, formset, change):
        deleted = [audit_event(actor=request.user, action=AuditAction.DELETED,
                               obj=f.instance, source=AuditSource.ADMIN)
                   for f in formset.deleted_forms if f.instance.pk]
        before = formset.model.objects.in_bulk(
            [f.instance.pk for f in formset.forms
             if f.instance.pk and f.has_changed() and f not in formset.deleted_forms])
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            _audit_saved(request.user, obj, None, [])
        for obj, fields in formset.changed_objects:
            _audit_saved(request.user, obj, before.get(obj.pk), fields)
        audit_bulk(deleted)


def _audit_saved(user, obj, before, fields) -> None:
    if before is None:
        audit_record(actor=user, action=AuditAction.CREATED, obj=obj, source=AuditSource.ADMIN)
        return
    changes = diff(before, obj, fields)
    if changes:
        audit_record(actor=user, action=AuditAction.CHANGED, obj=obj, changes=changes,
                     source=AuditSource.ADMIN)


# ── The county's policy: lines and thresholds (the 政策 page does the same, monitor/views.py)

@admin.register(MonitoringLine)
class MonitoringLineAdmin(AuditedAdmin):
    list_display = ("province", "year", "amount")


class PolicySettingForm(forms.ModelForm):
    key = forms.ChoiceField(label="参数", choices=[(key, label) for key, (_, label)
                                                  in DEFAULTS.items()])

    class Meta:
        model = PolicySetting
        fields = ["key", "value", "effective_from", "note"]


@admin.register(PolicySetting)
class PolicySettingAdmin(AuditedAdmin):
    form = PolicySettingForm
    list_display = ("key", "value", "effective_from", "note")
    list_filter = ("key",)


class KindFilter(admin.SimpleListFilter):
    title = "对象类型"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return list(AUDIT_KINDS.items())

    def queryset(self, request, queryset):
        return queryset.filter(object_kind=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The trail, to read and search only: nobody adds, changes or deletes an event here,
    not even a superuser (the trail is append-only)."""

    list_display = ("at", "who", "action", "kind", "object_label", "household_number",
                    "changed", "note", "source")
    list_filter = ("action", KindFilter, "source", "at")
    search_fields = ("object_label", "household__number")
    list_select_related = ("actor", "household")
    readonly_fields = ("at", "who", "action", "kind", "object_id", "object_label",
                       "household_number", "changed", "note", "source")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="操作人", ordering="actor__first_name")
    def who(self, event):
        return event.actor.name_and_unit if event.actor else "系统"

    @admin.display(description="变更内容")
    def changed(self, event):
        return event.changes_text

    @admin.display(description="对象类型", ordering="object_kind")
    def kind(self, event):
        return event.kind_label

    @admin.display(description="户编号")
    def household_number(self, event):
        # A deleted household's events keep its id; the joined row is gone (None).
        return event.household.number if event.household else (event.household_id or "—")


def trail_link(household) -> str:
    """A link from a household's admin page to its trail."""
    url = reverse("admin:monitor_auditevent_changelist") + f"?household__id__exact={household.pk}"
    return format_html('<a href="{}">查看该户操作记录</a>', url)
