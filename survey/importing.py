"""Importing the survey workbook: the county's bulk path in (interfaces.md).

Keys: households by 户编号, members by 身份证号, checks by (户编号, 排查日期, 排查类型).
Importing the same workbook twice changes nothing the second time; a changed row updates
its record, except a check whose household's alerts a person already worked on — a
correction is then a new check (domain.md §4).

The whole workbook is validated first (validation.py), then the good rows are written in
bulk, and the touched households are evaluated in batches (survey_evaluate).
"""

from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from alerts.engine import BATCH, evaluate_in_batches, refresh_statuses
from alerts.models import Alert, AlertMove
from households.idnumber import born_and_male
from households.models import Check, Household, Member, Place, StatusChange
from households.services import member_snapshot
from monitor.audit import (
    audit_bulk,
    audit_bulk_rows,
    audit_event,
    audit_record,
    audit_row,
    command_note,
    plain,
)
from monitor.bulk import analyze, bulk_set, insert_rows
from monitor.models import AuditAction, AuditEvent, AuditSource, User
from monitor.policy import Policy

from .columns import CHECK_FIELDS, HOUSEHOLD_FIELDS, MEMBER_FIELDS, OBSERVED
from .reading import SHEET_NAMES, Sheet, read_workbook
from .registry import Registry, Row, chunks, registry_load
from .validation import Rejected, Survey, clean_sheet, newest_in_file, survey_validate

EVALUATION_BATCH = BATCH  # households per engine transaction (issue 3: batches, not one each)
ANALYZE_FROM = 10_000  # rows written; past this PostgreSQL's statistics are refreshed
OBSERVED_FIELDS = {MEMBER_FIELDS[column] for column in OBSERVED}
STATUS_FIELDS = {"registered", "poverty_status"}  # what the key groups (§3) read
OFFICER = "info_officer_id"  # set from the 信息员 column when it names someone
READ_TICK = 1_000  # rows read between two progress reports

# progress(phase, done, total), phases in this order; total 0 while it is not known yet
# (the rows of a file are counted as they are read).
Progress = Callable[[str, int, int], None]
PHASES = ("reading", "checking", "writing", "evaluating")


def no_progress(phase: str, done: int, total: int) -> None:
    pass


@dataclass
class ImportResult:
    households_created: int = 0
    households_updated: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_stale: int = 0  # rows older than the registry's newest visit of the household
    checks_created: int = 0
    checks_updated: int = 0
    # Rows of records the registry already held exactly so (a file loaded twice: all).
    households_unchanged: int = 0
    members_unchanged: int = 0
    checks_unchanged: int = 0
    alerts_raised: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    headers: dict[str, list[str]] = field(default_factory=dict)  # the input's columns
    evaluate: set[int] = field(default_factory=set)  # households whose checks changed
    refresh: set[int] = field(default_factory=set)  # households whose registration changed

    @property
    def rejected_rows(self) -> int:
        return len({(r.sheet, r.row) for r in self.rejected})


@dataclass
class ImportTrail:
    """The audit trail of one import (issue 9): the file itself, each household it
    created (its members and checks with it), and each record of a known household it
    created or changed, old → new. Written with the rows, batch by batch."""

    note: str
    actor: object = None  # the user who loaded the file from the page; None for the command
    people: dict[int, str] = field(default_factory=dict)  # officer id → name and unit

    def created(self, kind: str, records: list[tuple[int, str, int]]) -> None:
        """An event per created record of `kind`, from (id, label, household id): the
        labels audit_event would give (LABELS), written straight from the import's rows."""
        at = timezone.now()
        audit_bulk_rows([audit_row(at=at, actor_id=self.actor.pk if self.actor else None,
                                   action=AuditAction.CREATED, kind=kind,
                                   object_id=pk, label=label, household_id=household_id,
                                   changes={}, note=self.note, source=AuditSource.IMPORT)
                         for pk, label, household_id in records])

    def changed(self, model, changes: list[tuple[object, Row, dict]]) -> None:
        """(the record as written, the stored row it replaced, {field: new value}); a
        person (the 信息员) by name and unit."""
        label = {f.attname: str(f.verbose_name) for f in model._meta.fields}
        audit_bulk(audit_event(
            actor=self.actor, action=AuditAction.CHANGED, obj=obj, source=AuditSource.IMPORT,
            note=self.note, changes={label[name]: [self.shown(name, getattr(known, name, None)),
                                                   self.shown(name, value)]
                                     for name, value in changed.items() if name in label})
            for obj, known, changed in changes)

    def shown(self, name: str, value):
        if name == OFFICER and value is not None:
            return self.people.get(value, value)
        return plain(value)

    def file(self, path: Path, result: "ImportResult") -> None:
        audit_record(actor=self.actor, action=AuditAction.IMPORTED, kind="import", label=path.name,
                     source=AuditSource.IMPORT, note=(
                         f"{self.note}；农户 新增 {result.households_created}、修改 "
                         f"{result.households_updated}；成员 新增 {result.members_created}、修改 "
                         f"{result.members_updated}；排查 新增 {result.checks_created}、修改 "
                         f"{result.checks_updated}；未导入 {result.rejected_rows} 行"))


def survey_read(path: Path, today: date, place: Place | None = None,
                progress: Progress = no_progress) -> tuple[Survey, Registry]:
    """Read and validate the whole workbook against the registry; nothing is written.
    Raises UnreadableFile when the input cannot be read at all. With a place, rows of
    households outside it are refused (validation.reject_outside_place)."""
    sheets = read_workbook(path)
    villages = set(Place.objects.villages().values_list("code", flat=True))
    read = [0]
    progress("reading", 0, 0)
    survey = Survey(*(clean_sheet(counted(sheets[name], read, progress), villages, today)
                      for name in SHEET_NAMES))
    progress("reading", read[0], read[0])
    progress("checking", 0, 2)
    registry = registry_load(
        numbers={c["户编号"] for sheet in survey.sheets() for _, c in sheet.rows.values()},
        id_numbers=set(survey.members.rows) | {
            c["户主身份证号"] for _, c in survey.households.rows.values()},
        check_rows=survey.checks.rows, household_rows=survey.households.rows,
        member_rows=survey.members.rows)
    progress("checking", 1, 2)
    survey_validate(survey, registry, place)
    progress("checking", 2, 2)
    return survey, registry


def counted(sheet: Sheet, read: list[int], progress: Progress) -> Sheet:
    """The sheet, its rows counted into read[0] as they are read, said every READ_TICK."""
    def rows() -> Iterator[list]:
        for row in sheet.source():
            read[0] += 1
            if read[0] % READ_TICK == 0:
                progress("reading", read[0], 0)
            yield row
    return replace(sheet, source=rows)


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
    survey, registry = survey_read(path, today or timezone.localdate(), place, progress)
    result = ImportResult(headers={s.name: s.header for s in survey.sheets()},
                          warnings=[w for s in survey.sheets() for w in s.warnings])
    who = actor.name_and_unit if actor else command_note()
    trail = ImportTrail(note=f"导入 {path.name}；{who}", actor=actor)
    total = sum(len(sheet.rows) for sheet in survey.sheets())
    progress("writing", 0, total)
    ids = write_households(survey, registry, result, trail)
    progress("writing", len(survey.households.rows), total)
    members = write_members(survey, registry, ids, result, trail)
    written = len(survey.households.rows) + len(survey.members.rows)
    progress("writing", written, total)
    write_checks(survey, registry, ids, members, result, trail,
                 progress=lambda done: progress("writing", written + done, total))
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


def merged(known: Row, names, changed: dict) -> dict:
    """A stored row's values for `names`, with the changes applied."""
    return {name: changed.get(name, getattr(known, name)) for name in names}


def filled(fields: dict[str, str], model) -> list[tuple[str, str, object]]:
    """(column, field, the field's default) for each column → field: a new record takes
    the default for an optional column the file does not have, as the model would."""
    meta = model._meta
    return [(column, name, meta.get_field(name).get_default()) for column, name in fields.items()]


def write_households(survey: Survey, registry: Registry, result: ImportResult,
                     trail: ImportTrail) -> dict[str, int]:
    """Create and update households; returns 户编号 → id for every household named."""
    ids = {number: row.id for number, row in registry.households.items()}
    columns = filled(HOUSEHOLD_FIELDS, Household)
    officers = {username: row.id for username, row in registry.officers.items()}
    written = [*HOUSEHOLD_FIELDS.values(), OFFICER]
    new, updated, fields, now = [], [], set(), timezone.now()
    for number, (_, cleaned) in survey.households.rows.items():
        known = registry.households.get(number)
        officer = officers.get(cleaned.get("信息员"))  # None: no 信息员 named, keep it
        if known is None:
            new.append((number, *[cleaned.get(c, default) for c, _, default in columns],
                        officer))
            continue
        values = {name: cleaned[c] for c, name in HOUSEHOLD_FIELDS.items() if c in cleaned}
        if officer is not None:
            values[OFFICER] = officer
        changed = {name: v for name, v in values.items() if getattr(known, name) != v}
        if not changed:
            result.households_unchanged += 1
            continue
        fields.update(changed)
        updated.append((Household(id=known.id, number=number, updated_at=now,
                                  **merged(known, written, changed)), known, changed))
        if STATUS_FIELDS & changed.keys():
            result.refresh.add(known.id)
    trail.people = people_named({*officers.values(), *(known.info_officer_id for _, known, _
                                                       in updated if known.info_officer_id)})
    names = ["number", *(name for _, name, _ in columns), OFFICER]
    new_ids = insert_rows(Household, names, new)
    bulk_set(Household, [h for h, _, _ in updated], [*fields, "updated_at"])
    head, registered = names.index("head_name"), names.index("registered")
    trail.created("household", [(pk, f"{row[0]} {row[head]}", pk)
                                for pk, row in zip(new_ids, new, strict=True)])
    trail.changed(Household, updated)
    ids.update((row[0], pk) for pk, row in zip(new_ids, new, strict=True))
    result.refresh.update(pk for pk, row in zip(new_ids, new, strict=True) if row[registered])
    result.households_created, result.households_updated = len(new), len(updated)
    return ids


def people_named(ids: set[int]) -> dict[int, str]:
    """Users by name and unit (domain.md §7), as the trail shows a household's 信息员."""
    return {user.pk: user.name_and_unit for user in User.objects.filter(pk__in=ids)}


# A member new in this import, as written (and as its household's checks see it).
NewMember = namedtuple("NewMember", ["household_id", "id_number", "birth_date", "male",
                                     *MEMBER_FIELDS.values()])


@dataclass
class MemberChanges:
    households: set[int] = field(default_factory=set)  # whose members this import changed
    created: set[int] = field(default_factory=set)  # households new in this import
    # Their members are the rows just written, so their checks' snapshots need not read
    # them back; and their members and checks go into the trail with the household.
    fresh: dict[int, list[NewMember]] = field(default_factory=lambda: defaultdict(list))
    # What the file's rows say a member was at visits older than the registry's newest
    # (id number → field → value): recorded on those checks, not on the member.
    as_seen: dict[str, dict] = field(default_factory=dict)


def write_members(survey: Survey, registry: Registry, ids: dict[str, int],
                  result: ImportResult, trail: ImportTrail) -> MemberChanges:
    """Create and update members.

    A member row describes the person as of the household's newest check in this file;
    when the registry already knows a newer visit, what that visit observed (schooling,
    health, labour, work, insurance) stays on the member and the row's values go only to
    this file's checks (a late check is judged on what it saw, domain.md §5)."""
    newest = newest_in_file(survey.checks)
    columns = filled(MEMBER_FIELDS, Member)
    new, updated, fields, changes = [], [], set(), MemberChanges()
    for id_number, (_, cleaned) in survey.members.rows.items():
        number = cleaned["户编号"]
        known = registry.members.get(id_number)
        if known is None:
            new.append(NewMember(ids[number], id_number, *born_and_male(id_number),
                                 *[cleaned.get(c, default) for c, _, default in columns]))
            continue
        values = {name: cleaned[c] for c, name in MEMBER_FIELDS.items() if c in cleaned}
        changed = {name: v for name, v in values.items() if getattr(known, name) != v}
        in_registry = registry.newest_visit.get(ids[number])
        seen = {name: v for name, v in changed.items() if name in OBSERVED_FIELDS}
        if seen and number in newest and in_registry and newest[number] < in_registry:
            result.members_stale += 1
            changes.as_seen[id_number] = seen
            changes.households.add(ids[number])
            changed = {name: v for name, v in changed.items() if name not in seen}
        if not changed and id_number not in changes.as_seen:
            result.members_unchanged += 1
        if changed:
            fields.update(changed)
            updated.append((Member(id=known.id, household_id=ids[number], id_number=id_number,
                                   **merged(known, MEMBER_FIELDS.values(), changed)),
                            known, changed))
    new_ids = insert_rows(Member, NewMember._fields, new)
    bulk_set(Member, [m for m, _, _ in updated], list(fields))
    changes.created = {pk for number, pk in ids.items() if number not in registry.households}
    for member in new:  # in the order written, which is the order of their ids
        if member.household_id in changes.created:
            changes.fresh[member.household_id].append(member)
    trail.created("member", [(pk, m.name, m.household_id)
                             for pk, m in zip(new_ids, new, strict=True)
                             if m.household_id not in changes.created])
    trail.changed(Member, updated)
    result.members_created, result.members_updated = len(new), len(updated)
    changes.households.update(m.household_id for m in new)
    changes.households.update(m.household_id for m, _, _ in updated)
    return changes


def write_checks(survey: Survey, registry: Registry, ids: dict[str, int],
                 members: MemberChanges, result: ImportResult, trail: ImportTrail,
                 progress: Callable[[int], None] = lambda done: None) -> None:
    """Create and correct checks, a chunk of households at a time, so only a chunk's
    member snapshots are held at once.

    A new check records the members as they are after this import. A stored check takes
    them again only when this import changed them and it is the household's newest in the
    file, and nobody has worked on the household's alerts (such checks are never edited)."""
    newest = newest_in_file(survey.checks)

    def retake(household_id: int, cleaned: dict) -> bool:
        return (household_id in members.households and household_id not in registry.worked
                and cleaned["排查日期"] == newest[cleaned["户编号"]])

    by_household = defaultdict(list)
    for _, cleaned in survey.checks.rows.values():
        household_id = ids[cleaned["户编号"]]
        known = registry.checks.get((household_id, cleaned["排查日期"], cleaned["排查类型"]))
        by_household[household_id].append((cleaned, known))
    for part in chunks(sorted(by_household)):
        rows = [(h, cleaned, known) for h in part for cleaned, known in by_household[h]]
        retaken = [(h, known) for h, cleaned, known in rows if known and retake(h, cleaned)]
        snapshots = member_snapshots(
            {h for h, _, known in rows if known is None} | {h for h, _ in retaken},
            members.as_seen, members.fresh)
        stored = dict(Check.objects.filter(id__in=[known.id for _, known in retaken])
                      .values_list("id", "members"))
        writes = CheckWrites()
        for household_id, cleaned, known in rows:
            writes.add(household_id, cleaned, known, snapshots[household_id], stored, result)
        writes.save(result, trail, members.created)
        progress(result.checks_created + result.checks_updated + result.checks_unchanged)


def member_snapshots(household_ids: set[int], as_seen: dict[str, dict],
                     fresh: dict[int, list[NewMember]]) -> dict[int, list[dict]]:
    """The households' members as this file's checks saw them: the members after this
    import's rows, with what the rows say where the member kept a newer visit's state.
    (Made a chunk at a time: a county's 478,000 snapshots at once would take 170 MB.)"""
    snapshots = defaultdict(list)
    for household_id in household_ids & fresh.keys():
        snapshots[household_id] = [member_snapshot(m) for m in fresh[household_id]]
    for member in Member.objects.filter(household_id__in=household_ids - fresh.keys()
                                        ).order_by("household_id", "id"):
        for name, value in as_seen.get(member.id_number, {}).items():
            setattr(member, name, value)
        snapshots[member.household_id].append(member_snapshot(member))
    return snapshots


NEW_CHECK = filled(CHECK_FIELDS, Check)
NEW_CHECK_FIELDS = ["household_id", "visit_date", "kind", "members",
                    *(name for _, name, _ in NEW_CHECK)]


@dataclass
class CheckWrites:
    """One chunk's new checks (as rows of NEW_CHECK_FIELDS) and corrections. Corrections
    whose member snapshot changed are written apart, so no other check's snapshot is
    overwritten."""

    new: list[tuple] = field(default_factory=list)
    plain: list[Check] = field(default_factory=list)
    with_members: list[Check] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)
    changes: list[tuple[Check, Row, dict]] = field(default_factory=list)  # for the trail

    def add(self, household_id: int, cleaned: dict, known: Row | None, snapshot: list,
            stored: dict[int, list], result: ImportResult) -> None:
        if known is None:
            self.new.append((household_id, cleaned["排查日期"], cleaned["排查类型"], snapshot,
                             *[cleaned.get(c, default) for c, _, default in NEW_CHECK]))
            return
        values = {name: cleaned[c] for c, name in CHECK_FIELDS.items() if c in cleaned}
        changed = {name: v for name, v in values.items() if getattr(known, name) != v}
        retaken = known.id in stored and stored[known.id] != snapshot
        if not changed and not retaken:
            result.checks_unchanged += 1
            if known.evaluated_at is None:
                result.evaluate.add(household_id)  # stored earlier, never evaluated
            return
        self.fields.update(changed)
        check = Check(id=known.id, household_id=household_id, evaluated_at=None,
                      **merged(known, CHECK_FIELDS.values(), changed))
        if retaken:
            check.members = snapshot
            self.with_members.append(check)
            self.changes.append((check, known, {**changed, "members": "成员情况已更新"}))
        else:
            self.plain.append(check)
            self.changes.append((check, known, changed))

    def save(self, result: ImportResult, trail: ImportTrail, created: set[int]) -> None:
        """Write the chunk and its trail (the checks of households new in this import go
        in with their household); a changed check is evaluated again (evaluated_at
        cleared)."""
        new_ids = insert_rows(Check, NEW_CHECK_FIELDS, self.new)
        bulk_set(Check, self.plain, [*self.fields, "evaluated_at"])
        bulk_set(Check, self.with_members, [*self.fields, "members", "evaluated_at"])
        result.checks_created += len(self.new)
        result.checks_updated += len(self.plain) + len(self.with_members)
        result.evaluate.update(row[0] for row in self.new)
        result.evaluate.update(c.household_id for c in self.plain + self.with_members)
        trail.created("check", [(pk, f"{row[1]} {row[2]}", row[0])
                                for pk, row in zip(new_ids, self.new, strict=True)
                                if row[0] not in created])
        trail.changed(Check, self.changes)


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
