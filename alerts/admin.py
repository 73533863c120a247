from django import forms
from django.contrib import admin

from monitor.admin import AuditedAdmin
from monitor.rules import RISK_TYPES, RULE_NAMES

from .models import (
    Alert,
    AlertMove,
    ExportJob,
    Measure,
    MeasureCatalogue,
    Notification,
    Task,
    TaskEvidence,
    TaskUpdate,
)


class AlertMoveInline(admin.TabularInline):
    model = AlertMove
    extra = 0
    can_delete = False
    readonly_fields = ("actor", "at", "from_state", "to_state", "note")


class RuleFilter(admin.SimpleListFilter):
    """Alerts by rule, the rules named as a person reads them (名称)."""

    title = "规则"
    parameter_name = "rule"

    def lookups(self, request, model_admin):
        return sorted(RULE_NAMES.items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(rule=self.value()) if self.value() else queryset


@admin.register(Alert)
class AlertAdmin(AuditedAdmin):
    list_display = ("household", "rule_shown", "severity", "state", "level", "overdue",
                    "raised_on")
    list_filter = (RuleFilter, "severity", "state", "level", "overdue", "source")
    readonly_fields = ("rule_shown", "evidence_shown")
    # A rule's code and the evidence's structure are the engine's; the admin reads the
    # rule's 名称 and the evidence as the pages word it.
    exclude = ("rule", "evidence")
    search_fields = ("household__number",)
    raw_id_fields = ("household", "first_check", "last_check", "cleared_by",
                     "verification_check", "closed_by")
    inlines = [AlertMoveInline]

    @admin.display(description="规则", ordering="rule")
    def rule_shown(self, alert) -> str:
        return alert.rule_name

    @admin.display(description="触发依据")
    def evidence_shown(self, alert) -> str:
        return (alert.evidence or {}).get("text", "")


class CatalogueForm(forms.ModelForm):
    risk_type = forms.ChoiceField(label="风险类型", choices=[(r, r) for r in RISK_TYPES])

    class Meta:
        model = MeasureCatalogue
        fields = ["risk_type", "name", "channel", "active", "order"]


@admin.register(MeasureCatalogue)
class MeasureCatalogueAdmin(admin.ModelAdmin):
    """The county's catalogue of measures per risk type (帮扶措施目录), the same for
    every source of an alert (domain.md §7)."""

    form = CatalogueForm
    list_display = ("risk_type", "name", "channel", "active", "order")
    list_filter = ("risk_type", "channel", "active")
    list_editable = ("channel", "active", "order")
    search_fields = ("name",)


@admin.register(Measure)
class MeasureAdmin(AuditedAdmin):
    list_display = ("alert", "name", "channel", "deadline", "state")
    list_filter = ("channel", "state")
    raw_id_fields = ("plan", "alert", "created_by")


class TaskUpdateInline(admin.TabularInline):
    model = TaskUpdate
    extra = 0
    can_delete = False
    readonly_fields = ("actor", "at", "from_state", "to_state", "note")


class TaskEvidenceInline(admin.TabularInline):
    model = TaskEvidence
    extra = 0
    can_delete = False
    fields = readonly_fields = ("name", "content_type", "size", "note", "uploaded_by",
                                "uploaded_at")


@admin.register(Task)
class TaskAdmin(AuditedAdmin):
    list_display = ("title", "household", "channel", "unit", "person", "due", "state")
    list_filter = ("channel", "state")
    raw_id_fields = ("measure", "household", "person", "assigned_by")
    inlines = [TaskUpdateInline, TaskEvidenceInline]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "text", "created", "read")
    list_filter = ("read",)
    raw_id_fields = ("user",)


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ("user", "place", "start", "end", "format", "state", "rows_done", "created")
    list_filter = ("state", "format")
    raw_id_fields = ("user", "place")
