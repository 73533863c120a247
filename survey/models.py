"""An import of the survey workbook loaded from the 导入排查 page (issue 20): the file, who
loaded it for which place, where it is (checked, waiting for a decision, importing, done)
and what it did. The rows themselves go through survey.importing, as the command's do."""

from django.conf import settings
from django.db import models

from monitor.scope import visible


class ImportState(models.TextChoices):
    QUEUED = "排队中", "排队中"
    CHECKING = "校验中", "校验中"
    CHECKED = "待确认", "待确认"  # the dry run is done: import the good rows, or stop
    IMPORTING = "导入中", "导入中"
    DONE = "已完成", "已完成"
    STOPPED = "已停止", "已停止"
    FAILED = "失败", "失败"


# A job in these states holds its place: no other import of an overlapping place starts.
RUNNING = (ImportState.QUEUED, ImportState.CHECKING, ImportState.IMPORTING)


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The imports this user may see (monitor/scope.py): those of their place."""
        return visible(self, user)

    def in_place(self, code: str):
        return self.filter(place__code__startswith=code)

    def of_channel(self, channel: str):
        return self.none()  # department staff load no surveys

    def overlapping(self, code: str):
        """Imports of this place, of a place inside it, or of the place it lies in (a town
        inside a county): their rows may be the same households."""
        return self.filter(models.Q(place__code__startswith=code) | models.Q(
            place_id__in=[code[:n] for n in (6, 9, 12) if n < len(code)]))

    def running(self):
        return self.filter(state__in=RUNNING)


class ImportJob(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+", verbose_name="导入人")
    place = models.ForeignKey("households.Place", on_delete=models.PROTECT, related_name="+",
                              verbose_name="地区")
    file_name = models.CharField("文件", max_length=300)  # as the user's computer named it
    path = models.CharField("存放位置", max_length=500)  # the .xlsx, or the CSV folder
    state = models.CharField("状态", max_length=4, choices=ImportState.choices,
                             default=ImportState.QUEUED)
    confirmed = models.BooleanField("确认导入", default=False)  # the queued work writes
    # The summary (counts, as survey.importing.ImportResult names them) of the dry run,
    # then of the import; the refused rows as [sheet, row, column, value, reason].
    summary = models.JSONField("结果", default=dict, blank=True)
    rejected = models.JSONField("未通过的行", default=list, blank=True)
    rejected_count = models.PositiveIntegerField("未通过行数", default=0)
    report = models.CharField("错误报告", max_length=500, blank=True)
    error = models.TextField("错误", blank=True)
    created = models.DateTimeField("上传时间", auto_now_add=True)
    started = models.DateTimeField("开始时间", null=True, blank=True)
    finished = models.DateTimeField("完成时间", null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "排查导入"
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["state", "place"], name="import_job_running")]

    def __str__(self):
        return f"{self.place_id} {self.file_name} {self.state}"
