"""Pages for reports: the dashboard (一张表挂图作战), the five lists and their exports."""
import tempfile
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from alerts.models import ExportJob, ExportKind, ExportState
from households.models import Household, Place
from monitor.roles import Role
from monitor.scope import sees_everything

from .dashboard import chart_data, dashboard_cached
from .exports import XLSX_NAME, five_lists_exported, write_five_lists, zip_csvs
from .five_lists import SHEETS, list_scope
from .place_period import place_and_period
from .reconciliation import reconcile
from .tasks import export_request

PREVIEW_ROWS = 100


@login_required
def home(request):
    """一张表挂图作战: the dashboard of the user's place, or of a place below it
    (?place=code); a place outside the user's scope is a 404."""
    user = request.user
    code = request.GET.get("place") or user.place_id
    place = get_object_or_404(Place.objects.visible_to(user), code=code) if code else None
    if place is None and not sees_everything(user):
        return render(request, "home.html", {"no_place": True})
    board = dashboard_cached(user, place, timezone.localdate())
    return render(request, "home.html", {
        "board": board, "charts": chart_data(board),
        "household_count": board.total.figures["households"],
        "open_alert_count": board.total.figures["alerts_open"],
        "trail": trail(place, user), "is_village": user.role == Role.VILLAGE,
        "refresh_seconds": settings.DASHBOARD_CACHE_SECONDS,
        "my_households": Household.objects.visible_to(user).filter(info_officer=user).count()
        if user.role == Role.VILLAGE else None,
    })


def trail(place, user) -> list:
    """The places from the user's own down to `place`, for going back up."""
    if place is None:
        return []
    codes = [place.code[:n] for n in (6, 9, 12) if n <= len(place.code)]
    return list(Place.objects.visible_to(user).filter(code__in=codes).order_by("code"))


# ── The five lists ────────────────────────────────────────────────────────────────────

@login_required
def five_lists(request):
    asked = place_and_period(request.GET, request.user)
    place, start, end, errors = asked.place, asked.start, asked.end, asked.messages
    context = {"place": place, "start": start, "end": end, "errors": errors,
               "places": Place.objects.visible_to(request.user)[:2000]}
    if place is not None and not errors:
        scope = list_scope(place=place, start=start, end=end, user=request.user)
        context["reconciliation"] = reconcile(scope)
        context["as_of"] = scope.as_of
        context["sheets"] = [readable(sheet.name, sheet.columns,
                                      _first(sheet.rows(scope), PREVIEW_ROWS))
                             for sheet in SHEETS]
        context["query"] = f"place={place.code}&from={start or ''}&to={end}"
        context["jobs"] = ExportJob.objects.filter(
            user=request.user, kind__in=(ExportKind.FIVE_LISTS, ExportKind.LEDGER))[:5]
    return render(request, "reports/five_lists.html", context)


MACHINE_COLUMNS = {"规则代码"}  # in the files, for machines; the page shows 规则 (名称)


def readable(name: str, columns: list[str], rows: list[list]) -> dict:
    """A list as the page previews it: the columns a person reads."""
    keep = [i for i, column in enumerate(columns) if column not in MACHINE_COLUMNS]
    return {"name": name, "columns": [columns[i] for i in keep],
            "rows": [[shown(row[i]) for i in keep] for row in rows]}


def shown(cell):
    """A cell as the page shows it: a date as yyyy-mm-dd, like the file."""
    return cell.isoformat() if isinstance(cell, date) else cell


def _first(rows, n: int) -> list:
    out = []
    for row in rows:
        out.append(row)
        if len(out) >= n:
            break
    return out


@login_required
def five_lists_export(request):
    """The lists as a download, written now: 五张清单.xlsx, or the five CSVs in a zip."""
    asked, fmt = place_and_period(request.GET, request.user), request.GET.get("format", "xlsx")
    place = asked.place
    if place is None or asked.errors or fmt not in ("xlsx", "csv"):
        return HttpResponseBadRequest("；".join(asked.messages) or "请选择地区和格式")
    scope = list_scope(place=place, start=asked.start, end=asked.end, user=request.user)
    folder = Path(tempfile.mkdtemp(prefix="five-lists-"))
    files, counts = write_five_lists(folder, scope, fmt)
    target = files[0] if fmt == "xlsx" else zip_csvs(folder)
    five_lists_exported(scope=scope, fmt=fmt, counts=counts, actor=request.user)
    name = f"{place.name}{XLSX_NAME}" if fmt == "xlsx" else f"{place.name}五张清单.zip"
    return FileResponse(target.open("rb"), as_attachment=True, filename=name)


@login_required
@require_POST
def export_start(request):
    asked, fmt = place_and_period(request.POST, request.user), request.POST.get("format", "xlsx")
    if asked.place is None or asked.errors or fmt not in ("xlsx", "csv"):
        return HttpResponseBadRequest("；".join(asked.messages) or "请选择地区和格式")
    job = export_request(user=request.user, place=asked.place, start=asked.start, end=asked.end,
                         fmt=fmt)
    return redirect("reports:export", pk=job.pk)


@login_required
@require_POST
def ledger_export_start(request):
    """The household list's 导出台账: the ledger of a place in the user's scope (their
    own place unless another is chosen), written in the background with progress."""
    fmt = request.POST.get("format", "xlsx")
    code = request.POST.get("place") or request.user.place_id
    place = Place.objects.visible_to(request.user).filter(code=code).first() if code else None
    if place is None or fmt not in ("xlsx", "csv"):
        return HttpResponseBadRequest("请选择所辖地区和格式（xlsx 或 csv）")
    job = export_request(user=request.user, place=place, start=None, end=timezone.localdate(),
                         fmt=fmt, kind=ExportKind.LEDGER)
    return redirect("reports:export", pk=job.pk)


@login_required
def export_status(request, pk):
    job = get_object_or_404(ExportJob.objects.select_related("place"), pk=pk,
                            user=request.user)
    return render(request, "reports/export.html", {"job": job})


@login_required
def export_download(request, pk):
    job = get_object_or_404(ExportJob.objects.select_related("place"), pk=pk,
                            user=request.user, state=ExportState.DONE)
    path = Path(job.file)
    if not path.exists():
        raise Http404("文件已清理，请重新导出")
    return FileResponse(path.open("rb"), as_attachment=True,
                        filename=f"{job.place.name}{path.name}")


