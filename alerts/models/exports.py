"""Exports run in the background (the five lists, the ledger), with progress."""

from django.conf import settings
from django.db import models


class ExportState(models.TextChoices):
    QUEUED = "排队中", "排队中"
    RUNNING = "生成中", "生成中"
    DONE = "已完成", "已完成"
    FAILED = "失败", "失败"


class ExportKind(models.TextChoices):
    FIVE_LISTS = "five_lists", "五张清单"
    LEDGER = "ledger", "农户台账"
    POLICY_PREVIEW = "preview", "政策调整预览"
    POLICY_ADOPTION = "adoption", "采纳政策调整"


class ExportJob(models.Model):
    """Long work run in the background with progress and a file when done: an export
    (the five lists of a place and period, the household ledger of a place), or a policy
    change previewed or adopted for a county (its proposal in `parameters`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name="申请人")
    place = models.ForeignKey("households.Place", on_delete=models.CASCADE, related_name="+",
                              verbose_name="地区")
    kind = models.CharField("内容", max_length=12, choices=ExportKind.choices,
                            default=ExportKind.FIVE_LISTS)
    start = models.DateField("起始日期", null=True, blank=True)
    end = models.DateField("截止日期")
    format = models.CharField("格式", max_length=4, default="xlsx")
    state = models.CharField("状态", max_length=4, choices=ExportState.choices,
                             default=ExportState.QUEUED)
    rows_done = models.PositiveIntegerField("已写行数", default=0)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    file = models.CharField("文件", max_length=300, blank=True)
    error = models.TextField("错误", blank=True)
    parameters = models.JSONField("参数", default=dict, blank=True)
    created = models.DateTimeField("申请时间", auto_now_add=True)
    finished = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导出任务"
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.place_id} {self.start or '—'}～{self.end} {self.state}"

    @property
    def percent(self) -> int:
        if self.state == ExportState.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
