"""Importing the survey workbook: the county's bulk path in (interfaces.md).

Keys: households by 户编号, members by 身份证号, checks by (户编号, 排查日期, 排查类型).
Importing the same workbook twice changes nothing the second time; a changed row updates
its record, except a check whose household's alerts a person already worked on — a
correction is then a new check (domain.md §4).

The whole workbook is validated first, column by column (validation.py) and across
sheets and against the registry (across.py), as frames; then only what differs from the
registry is written, in bulk: a row whose every column equals the stored one is counted
as unchanged and touches nothing, so importing an unchanged workbook writes nothing but
its audit record. The touched households are evaluated in batches (survey_evaluate).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import polars as pl
from django.db import transaction
from django.utils import timezone

from alerts.engine import BATCH, evaluate_in_batches, refresh_statuses
from alerts.models import Alert, AlertMove
from households.models import Check, Household, Member, Place, StatusChange
from monitor.audit import (
    command_note,
)
from monitor.bulk import analyze, bulk_set, frame_of, insert_frame
from monitor.models import AuditEvent, User
from monitor.policy import Policy

from .across import (
    changed_columns,
    household_ids,
    newest_in_file,
    survey_screen,
    survey_validate,
    with_stored_checks,
    with_stored_members,
)
from .columns import CHECK_FIELDS, HOUSEHOLD_FIELDS, MEMBER_FIELDS, OBSERVED
from .digest import digests_to_keep, file_digests, keep_digests, skip_unchanged
from .reading import SHEET_NAMES, read_workbook
from .registry import STORED, Registry, registry_households, registry_rows
from .result import OFFICER, ImportResult, ImportTrail, Progress, no_progress
from .validation import Survey, clean_sheet

EVALUATION_BATCH = BATCH  # households per engine transaction (issue 3: batches, not one each)
ANALYZE_FROM = 10_000  # rows written; past this PostgreSQL's statistics are refreshed
OBSERVED_FIELDS = {MEMBER_FIELDS[column] for column in OBSERVED}
STATUS_FIELDS = {"registered", "poverty_status"}  # what the key groups (§3) read
# The household's columns as written: the 信息员 column becomes `officer` (the named
# village officer's id, or the stored one when the cell is empty) before the comparison.
WRITTEN = {**HOUSEHOLD_FIELDS, "officer": OFFICER}

def survey_read(path: Path, today: date, place: Place | None = None,
                progress: Progress = no_progress
                ) -> tuple[Survey, Registry, pl.DataFrame]:
    """Read and validate the whole workbook against the registry; nothing is written.
    Raises UnreadableFile when the input cannot be read at all. With a place, rows of
    households outside it are refused (across.reject_outside_place)."""
    sheets = read_workbook(path)
    villages = set(Place.objects.villages().values_list("code", flat=True))
    progress("reading", 0, 0)
    cleaned, read = [], 0
    for name in SHEET_NAMES:
        cleaned.append(clean_sheet(sheets[name], villages, today))
        read += cleaned[-1].read
        progress("reading", read, 0)
    survey = Survey(*cleaned)
    progress("reading", read, read)
    progress("checking", 0, 2)
    households = survey.households.frame
    numbers = pl.concat([s.frame["户编号"] for s in survey.sheets()]).unique()
    usernames = households["信息员"].unique() if "信息员" in households.columns else \
        pl.Series([], dtype=pl.String)
    registry = registry_households(numbers, usernames.filter(usernames != ""))
    survey_screen(survey, registry, place)
    digests = file_digests(survey)
    skip_unchanged(survey, registry, digests)
    households = survey.households.frame
    registry_rows(registry, id_numbers=pl.concat([survey.members.frame["身份证号"],
                                                  households["户主身份证号"]]).unique(),
                  checked=survey.checks.frame["户编号"].unique())
    progress("checking", 1, 2)
    survey_validate(survey, registry, place)
    progress("checking", 2, 2)
    return survey, registry, digests


def unevaluated(household_ids: pl.Series) -> pl.Series:
    """Those of these households (unchanged in the file) with a check stored earlier
    but never evaluated: their evaluation died with its worker. Few, and found through
    the engine's own index, whatever the size of the file."""
    if household_ids.is_empty():
        return household_ids
    pending = (Check.objects.unevaluated().order_by()
               .values_list("household_id", flat=True).distinct())
    return household_ids.filter(household_ids.is_in(
        pl.Series(list(pending), dtype=pl.Int64).implode()))


@transaction.atomic
def survey_import(*, path: Path, dry_run: bool = False, today: date | None = None,
                  place: Place | None = None, progress: Progress | None = None,
                  actor=None) -> ImportResult:
    """Validate every row, write the good ones, and say what was rejected and why.
    With dry_run everything is validated and counted, then rolled back.

    place: a county or town; rows of households outside it are refused row by row (the
    page's import, by a town or county supervisor); None for the whole database.
    progress(phase, done, total): told as the import moves through PHASES (the last,
    "evaluating", by survey_evaluate). actor: the user who loaded the file from the page,
    recorded on the audit trail (the command has none: it names the OS account)."""
    progress = progress or no_progress
    survey, registry, digests = survey_read(path, today or timezone.localdate(), place,
                                            progress)
    result = ImportResult(headers={s.name: s.header for s in survey.sheets()},
                          warnings=[w for s in survey.sheets() for w in s.warnings])
    who = actor.name_and_unit if actor else command_note()
    trail = ImportTrail(note=f"导入 {path.name}；{who}", actor=actor)
    never_evaluated = unevaluated(survey.unchanged["household_id"])  # before any write
    total = sum(sheet.frame.height for sheet in survey.sheets())
    progress("writing", 0, total)
    to_keep = digests_to_keep(survey, digests)
    ids = write_households(survey, registry, result, trail, to_keep)
    written = survey.households.frame.height
    progress("writing", written, total)
    members = write_members(survey, registry, ids, result, trail)
    written += survey.members.frame.height
    progress("writing", written, total)
    write_checks(survey, registry, ids, members, result, trail,
                 progress=lambda done: progress("writing", written + done, total))
    keep_digests(registry, to_keep)
    result.households_unchanged += survey.unchanged_rows.get("农户", 0)
    result.members_unchanged += survey.unchanged_rows.get("成员", 0)
    result.checks_unchanged += survey.unchanged_rows.get("排查", 0)
    result.evaluate.update(never_evaluated)
    if result.households_created + result.members_created + result.checks_created > ANALYZE_FROM:
        analyze(Household, Member, Check)
    result.rejected = sorted((r for s in survey.sheets() for r in s.rejected),
                             key=lambda r: (SHEET_NAMES.index(r.sheet), r.row))
    trail.file(path, result)
    if result.members_stale:
        result.warnings.append(
            f"成员：{result.members_stale} 人的在校、健康、劳动、务工、参保情况早于系统中该户"
            "最近一次排查，只记入本文件的排查，成员信息保留最近一次排查所见")
    if dry_run:
        transaction.set_rollback(True)
    return result


def filled(frame: pl.DataFrame, fields: dict[str, str], model) -> list[pl.Expr]:
    """The frame's columns for `fields`, in order, named as the fields: a new record
    takes the default for an optional column the file does not have, as the model would."""
    meta = model._meta
    return [pl.col(column).alias(name) if column in frame.columns
            else pl.lit(meta.get_field(name).get_default()).alias(name)
            for column, name in fields.items()]


def changes_of(frame: pl.DataFrame, fields: dict[str, str]) -> pl.DataFrame:
    """The rows of a file-beside-registry frame that differ from the stored row, with
    `changed`, the list of their changed columns."""
    return frame.with_columns(changed_columns(frame, fields).alias("changed")).filter(
        pl.col("changed").list.len() > 0)


def stored_and_changed(row: dict, fields: dict[str, str]) -> tuple[SimpleNamespace, dict]:
    """A changed row as (the stored record's fields, {field: new value})."""
    known = SimpleNamespace(**{name: row[f"{c}{STORED}"] for c, name in fields.items()
                               if f"{c}{STORED}" in row})
    return known, {fields[c]: row[c] for c in row["changed"]}


def merged(known, names, changed: dict) -> dict:
    """A stored row's values for `names`, with the changes applied."""
    return {name: changed.get(name, getattr(known, name)) for name in names}


def write_households(survey: Survey, registry: Registry, result: ImportResult,
                     trail: ImportTrail, digests: pl.DataFrame) -> pl.DataFrame:
    """Create and update households, the new ones with their digest (`digests`:
    digest.digests_to_keep); returns 户编号 → household_id of every household named."""
    rows = household_ids(survey.households.frame, registry).join(
        registry.households.drop("household_id"), on="户编号", how="left",
        maintain_order="left")
    if "信息员" in rows.columns:  # an empty cell keeps the household's officer
        rows = rows.join(registry.officers.select("信息员", "officer"), on="信息员", how="left",
                         maintain_order="left").with_columns(
            pl.col("officer").fill_null(pl.col(f"officer{STORED}")))
    known = rows.filter(pl.col("household_id").is_not_null())
    new = rows.filter(pl.col("household_id").is_null()).select(
        pl.col("户编号").alias("number"), *filled(rows, WRITTEN, Household)).join(
        digests.select(number="户编号", survey_digest="digest"), on="number", how="left",
        maintain_order="left")
    insert_frame(Household, new)
    updated, fields, now = [], set(), timezone.now()
    for row in changes_of(known, WRITTEN).rows(named=True):
        old, changed = stored_and_changed(row, WRITTEN)
        fields.update(changed)
        updated.append((Household(id=row["household_id"], number=row["户编号"], updated_at=now,
                                  **merged(old, WRITTEN.values(), changed)),
                        old, changed))
        if STATUS_FIELDS & changed.keys():
            result.refresh.add(row["household_id"])
    bulk_set(Household, [h for h, _, _ in updated], [*fields, "updated_at"])
    trail.people = people_named({*registry.officers["officer"], *(
        old.info_officer_id for _, old, _ in updated if old.info_officer_id)})
    created = frame_of(Household.objects.order_by(), ["number", "id"], ID_SCHEMA, "number",
                       new["number"])
    new = new.join(created, left_on="number", right_on="户编号")
    trail.created("household", new.select(
        pl.col("household_id").alias("object_id"),
        pl.concat_str("number", pl.lit(" "), "head_name").alias("label"), "household_id"))
    trail.changed(Household, updated)
    result.refresh.update(new.filter("registered")["household_id"])
    result.households_created, result.households_updated = new.height, len(updated)
    result.households_unchanged = known.height - len(updated)
    return pl.concat([registry.households.select("户编号", "household_id"), created])


ID_SCHEMA = {"户编号": pl.String, "household_id": pl.Int64}


def people_named(ids: set[int]) -> dict[int, str]:
    """Users by name and unit (domain.md §7), as the trail shows a household's 信息员."""
    return {user.pk: user.name_and_unit for user in User.objects.filter(pk__in=ids)}


@dataclass
class MemberChanges:
    households: set[int] = field(default_factory=set)  # whose members this import changed
    created: set[int] = field(default_factory=set)  # households new in this import
    # The members of households new in this import, as written (their checks' snapshots
    # need not read them back): household_id, member_id and the snapshot's fields.
    fresh: pl.DataFrame | None = None
    # What the file's rows say a member was at visits older than the registry's newest
    # (id number → field → value): recorded on those checks, not on the member.
    as_seen: dict[str, dict] = field(default_factory=dict)


SNAPSHOT = ["id_number", "name", "birth_date", "schooling", "health", "labour", "work",
            "insured"]  # households.services.member_snapshot, in its order


def write_members(survey: Survey, registry: Registry, ids: pl.DataFrame,
                  result: ImportResult, trail: ImportTrail) -> MemberChanges:
    """Create and update members.

    A member row describes the person as of the household's newest check in this file;
    when the registry already knows a newer visit, what that visit observed (schooling,
    health, labour, work, insurance) stays on the member and the row's values go only to
    this file's checks (a late check is judged on what it saw, domain.md §5)."""
    changes = MemberChanges()
    changes.created = set(ids.join(registry.households, on="户编号", how="anti")["household_id"])
    rows = with_stored_members(survey, registry).drop("household_id").join(
        ids, on="户编号", how="left", maintain_order="left")
    number = pl.col("身份证号")
    new = rows.filter(pl.col("member_id").is_null()).select(
        "household_id", number.alias("id_number"),
        number.str.slice(6, 8).str.to_date("%Y%m%d").alias("birth_date"),
        (number.str.slice(16, 1).cast(pl.Int64) % 2 == 1).alias("male"),
        *filled(rows, MEMBER_FIELDS, Member))
    insert_frame(Member, new)
    changed = changes_of(rows.filter(pl.col("member_id").is_not_null()), MEMBER_FIELDS).join(
        newest_in_file(survey), on="户编号", how="left").join(
        registry.newest_visit(), on="household_id", how="left", suffix=" 系统")
    updated, fields = [], set()
    for row in changed.rows(named=True):
        old, values = stored_and_changed(row, MEMBER_FIELDS)
        seen = {name: v for name, v in values.items() if name in OBSERVED_FIELDS}
        if seen and row["newest"] and row["newest 系统"] and row["newest"] < row["newest 系统"]:
            result.members_stale += 1
            changes.as_seen[row["身份证号"]] = seen
            changes.households.add(row["household_id"])
            values = {name: v for name, v in values.items() if name not in seen}
        if values:
            fields.update(values)
            updated.append((Member(id=row["member_id"], household_id=row["household_id"],
                                   id_number=row["身份证号"],
                                   **merged(old, MEMBER_FIELDS.values(), values)), old, values))
    bulk_set(Member, [m for m, _, _ in updated], list(fields))
    created = pl.col("household_id").is_in(list(changes.created))
    # Written in the file's order, which is the order of their ids.
    changes.fresh = new.filter(created).select(
        "household_id", pl.int_range(pl.len()).alias("member_id"), *SNAPSHOT)
    joined = new.filter(~created).select("household_id", "name", "id_number")
    if joined.height:
        ids = frame_of(Member.objects.order_by(), ["id_number", "id"],
                       {"id_number": pl.String, "object_id": pl.Int64}, "id_number",
                       joined["id_number"])
        trail.created("member", joined.join(ids, on="id_number").select(
            "object_id", pl.col("name").alias("label"), "household_id"))
    trail.changed(Member, updated)
    result.members_created, result.members_updated = new.height, len(updated)
    result.members_unchanged = rows.height - new.height - len(updated)
    changes.households.update(new["household_id"])
    changes.households.update(m.household_id for m, _, _ in updated)
    return changes


CHECK_ROWS = 20_000  # new checks written at a time: their member snapshots are held meanwhile


def write_checks(survey: Survey, registry: Registry, ids: pl.DataFrame,
                 members: MemberChanges, result: ImportResult, trail: ImportTrail,
                 progress: Callable[[int], None] = lambda done: None) -> None:
    """Create and correct checks.

    A new check records the members as they are after this import. A stored check takes
    them again only when this import changed them and it is the household's newest in the
    file, and nobody has worked on the household's alerts (such checks are never edited)."""
    rows = with_stored_checks(survey, registry).drop("household_id").join(
        ids, on="户编号", how="left", maintain_order="left").join(
        newest_in_file(survey), on="户编号", how="left")
    known = rows.filter(pl.col("check_id").is_not_null()).with_columns(
        changed_columns(rows, CHECK_FIELDS).alias("changed"),
        (pl.col("household_id").is_in(list(members.households - registry.worked))
         & (pl.col("排查日期") == pl.col("newest"))).alias("retake"))
    result.evaluate.update(known.filter((pl.col("changed").list.len() == 0)
                                        & ~pl.col("evaluated"))["household_id"])
    known = known.filter((pl.col("changed").list.len() > 0) | pl.col("retake"))
    new = rows.filter(pl.col("check_id").is_null()).select(
        "household_id", pl.col("排查日期").alias("visit_date"), pl.col("排查类型").alias("kind"),
        *filled(rows, CHECK_FIELDS, Check))
    for start in range(0, new.height, CHECK_ROWS):
        write_new_checks(new.slice(start, CHECK_ROWS), members, result, trail)
        progress(result.checks_created)
    correct_checks(known, members, result, trail)
    result.checks_unchanged = rows.height - new.height - result.checks_updated
    progress(rows.height)


def snapshots(household_ids: list[int], members: MemberChanges) -> pl.DataFrame:
    """household_id → the households' members as this file's checks saw them: the members
    after this import's rows, with what the rows say where the member kept a newer
    visit's state."""
    wanted = set(household_ids)
    fresh = members.fresh.filter(pl.col("household_id").is_in(list(wanted & members.created)))
    others = list(wanted - members.created)
    stored = frame_of(Member.objects.order_by(), ["household_id", "id", *SNAPSHOT],
                      fresh.schema, "household_id", pl.Series(others, dtype=pl.Int64))
    if members.as_seen:
        stored = pl.DataFrame([as_seen(row, members.as_seen)
                               for row in stored.rows(named=True)], schema=fresh.schema)
    both = pl.concat([fresh, stored]).sort("household_id", "member_id")
    return both.group_by("household_id", maintain_order=True).agg(
        pl.struct(pl.col("id_number"), pl.col("name"), pl.col("birth_date").cast(pl.String),
                  *SNAPSHOT[3:]).alias("members"))


def as_seen(row: dict, seen: dict[str, dict]) -> dict:
    return {**row, **seen.get(row["id_number"], {})}


def write_new_checks(new: pl.DataFrame, members: MemberChanges, result: ImportResult,
                     trail: ImportTrail) -> None:
    """Write a part of the new checks, each with its household's members, and their trail
    (the checks of households new in this import go in with their household)."""
    seen = snapshots(new["household_id"].unique().to_list(), members)
    new = new.join(seen, on="household_id", how="left", maintain_order="left").with_columns(
        pl.col("members").fill_null([]))
    insert_frame(Check, new)
    result.checks_created += new.height
    result.evaluate.update(new["household_id"])
    joined = new.filter(~pl.col("household_id").is_in(list(members.created))).select(
        "household_id", "visit_date", "kind")
    if joined.height:
        ids = frame_of(Check.objects.order_by(), ["household_id", "visit_date", "kind", "id"],
                       {"household_id": pl.Int64, "visit_date": pl.Date, "kind": pl.String,
                        "object_id": pl.Int64}, "household_id", joined["household_id"])
        trail.created("check", joined.join(ids, on=["household_id", "visit_date", "kind"])
                      .select("object_id", pl.concat_str(pl.col("visit_date").cast(pl.String),
                                                         pl.lit(" "), "kind").alias("label"),
                              "household_id"))


def correct_checks(known: pl.DataFrame, members: MemberChanges, result: ImportResult,
                   trail: ImportTrail) -> None:
    """Write the corrected checks (evaluated again: evaluated_at cleared); those whose
    member snapshot changed are written apart, so no other check's is overwritten."""
    retaken = known.filter("retake")
    seen = dict(snapshots(retaken["household_id"].unique().to_list(), members).rows())
    stored = dict(Check.objects.filter(id__any_of=retaken["check_id"].to_list())
                  .values_list("id", "members"))
    plain, with_members, fields, changes = [], [], set(), []
    for row in known.rows(named=True):
        old, changed = stored_and_changed(row, CHECK_FIELDS)
        snapshot = seen.get(row["household_id"], [])
        again = row["retake"] and stored.get(row["check_id"]) != snapshot
        if not changed and not again:
            continue
        fields.update(changed)
        check = Check(id=row["check_id"], household_id=row["household_id"], evaluated_at=None,
                      **merged(old, CHECK_FIELDS.values(), changed))
        if again:
            check.members = snapshot
            with_members.append(check)
            changes.append((check, old, {**changed, "members": "成员情况已更新"}))
        else:
            plain.append(check)
            changes.append((check, old, changed))
    bulk_set(Check, plain, [*fields, "evaluated_at"])
    bulk_set(Check, with_members, [*fields, "members", "evaluated_at"])
    result.checks_updated = len(plain) + len(with_members)
    result.evaluate.update(c.household_id for c in plain + with_members)
    trail.changed(Check, changes)


def survey_evaluate(result: ImportResult, progress: Progress | None = None) -> int:
    """Bring alerts, classes and groups up to date for every household the import
    touched: the engine in batches for changed checks, then the groups of households
    whose registration alone changed. Returns the number of alerts raised. The progress
    is said as ("evaluating", households done, households in all)."""
    ids, policy = sorted(result.evaluate), Policy()
    only_status = sorted(result.refresh - result.evaluate)
    total = len(ids) + len(only_status)
    progress = progress or no_progress
    progress("evaluating", 0, total)

    def in_total(done: int, _: int) -> None:
        # The total counts the households whose groups alone are refreshed below too.
        progress("evaluating", done, total)

    result.alerts_raised += evaluate_in_batches(ids, policy, batch_size=EVALUATION_BATCH,
                                                progress=in_total).alerts_raised
    # The engine replays nothing without a changed check: these are re-derived a batch at
    # a time, each batch ending on a multiple of EVALUATION_BATCH (or the total), where
    # the progress is said, as for the households evaluated above.
    done = len(ids)
    while done < total:
        end = min(total, (done // EVALUATION_BATCH + 1) * EVALUATION_BATCH)
        refresh_statuses(only_status[done - len(ids):end - len(ids)], policy)
        done = end
        progress("evaluating", done, total)
    if result.alerts_raised > ANALYZE_FROM:
        analyze(Alert, AlertMove, StatusChange, AuditEvent)
    return result.alerts_raised
