"""The rules that need more than one row: across the workbook's sheets and against the
registry (domain.md §3–4), each a join of the sheets' good rows with each other or with
what the registry holds (registry.py), in the order their rejections cascade.
"""

import polars as pl

from monitor.tabular import UnreadableFile

from .columns import CHECK_FIELDS, MEMBER_FIELDS, OBSERVED
from .reading import ROW
from .registry import STORED, Registry
from .validation import CleanSheet, Survey

ONE_HOUSEHOLD = "一人只能在一户"
NO_MEMBERS = "该户在成员表和系统中都没有成员，无法计算人均纯收入"
WORKED = "该户的预警已有人处理"
NEW_CHECK = "如需更正，请新增一次排查（如“核实”）"
NO_NEW_MEMBER = f"{WORKED}，其最近一次排查已登记，不能再加成员；请随新的一次排查一并导入"
WAITS = "行未能导入，人均收入和预警要按全部成员计算，请改正后与本行一并导入"


def survey_screen(survey: Survey, registry: Registry, place=None) -> None:
    """What needs only the registry's households, before unchanged rows are taken out.
    A workbook without a single row is refused whole (UnreadableFile): it is the wrong
    file, or its data is not where the header says. With a place (a town's or county's
    import from the page), rows of households outside it are refused first."""
    if not any(sheet.frame.height or sheet.rejected for sheet in survey.sheets()):
        raise UnreadableFile("工作簿中没有数据：农户、成员、排查三张表都只有表头或是空的，"
                             "请确认选对了文件")
    if place is not None:
        reject_outside_place(survey, registry, place)
    reject_unknown_officers(survey, registry)


def survey_validate(survey: Survey, registry: Registry, place=None) -> None:
    """The rules across sheets and against the registry's members and checks."""
    reject_heads_registered_elsewhere(survey, registry, place)
    drop_orphans(survey, registry)
    reject_members_registered_elsewhere(survey, registry, place)
    reject_worked_check_changes(survey, registry)
    reject_frozen_member_changes(survey, registry)
    reject_checks_of_rejected_members(survey, registry)
    reject_checks_without_members(survey, registry)


def refusal(column, reason: pl.Expr) -> list[pl.Expr]:
    """The columns CleanSheet.reject takes besides ROW."""
    column = pl.lit(column) if isinstance(column, str) else column
    return [column.alias("column"), reason.alias("reason")]


def text(*parts) -> pl.Expr:
    """A reason put together from literal text and expressions."""
    return pl.concat_str([pl.lit(p) if isinstance(p, str) else p.cast(pl.String)
                          for p in parts])


def changed_columns(frame: pl.DataFrame, columns: dict[str, str]) -> pl.Expr:
    """The list of the columns (of `columns`, in its order, those the frame has) whose
    value differs from the stored one beside it."""
    present = [c for c in columns if c in frame.columns and f"{c}{STORED}" in frame.columns]
    if not present:
        return pl.lit([], pl.List(pl.String))
    return pl.concat_list([pl.when(pl.col(c).ne_missing(pl.col(f"{c}{STORED}"))).then(pl.lit(c))
                           for c in present]).list.drop_nulls()


def household_ids(frame: pl.DataFrame, registry: Registry) -> pl.DataFrame:
    """The frame with the registry's id of each row's household (null for a new one)."""
    return frame.join(registry.households.select("户编号", "household_id"), on="户编号",
                      how="left", maintain_order="left")


def with_stored_checks(survey: Survey, registry: Registry) -> pl.DataFrame:
    """The good check rows beside the stored check of the same key, if any."""
    return household_ids(survey.checks.frame, registry).join(
        registry.checks, on=["household_id", "排查日期", "排查类型"], how="left",
        maintain_order="left")


def with_stored_members(survey: Survey, registry: Registry) -> pl.DataFrame:
    return survey.members.frame.join(registry.members, on="身份证号", how="left",
                                     maintain_order="left")


def outside_place(place) -> str:
    return f"不在本人负责的地区范围内（{place.name}）"


def reject_outside_place(survey: Survey, registry: Registry, place) -> None:
    """A town loads only its own villages' rows (domain.md §1: scope holds for imports):
    a household whose village, in this file or in the registry, lies outside the place,
    and the members and checks of such a household, are refused row by row. A household
    of the place may not be moved out of it, nor one from outside moved in."""
    reason = pl.lit(outside_place(place))
    registered = registry.households.select("户编号", pl.col(f"村代码{STORED}").alias("registered"))
    in_file = survey.households.frame.select("户编号", pl.col("村代码").alias("in_file"))
    outside = [pl.col(c).is_not_null() & ~pl.col(c).str.starts_with(place.code)
               for c in ("in_file", "registered")]
    households = survey.households.frame.join(registered, on="户编号", how="left"
                                              ).with_columns(pl.col("村代码").alias("in_file"))
    survey.households.reject(households.filter(outside[0] | outside[1]).select(
        ROW, *refusal(pl.when(outside[0]).then(pl.lit("村代码")).otherwise(pl.lit("户编号")),
                      reason)))
    for sheet in (survey.members, survey.checks):
        rows = sheet.frame.join(in_file, on="户编号", how="left").join(
            registered, on="户编号", how="left")
        sheet.reject(rows.filter(outside[0] | outside[1]).select(ROW, *refusal("户编号", reason)))


def reject_unknown_officers(survey: Survey, registry: Registry) -> None:
    """The 信息员 column names a village officer of the household's own village
    (domain.md §2); anyone else is refused with the row."""
    if "信息员" not in survey.households.frame.columns:
        return
    named = survey.households.frame.filter(pl.col("信息员") != "").join(
        registry.officers, on="信息员", how="left")
    unknown = pl.col("officer").is_null()
    reason = pl.when(unknown).then(pl.lit(NO_OFFICER)).otherwise(pl.lit(ELSEWHERE))
    survey.households.reject(named.filter(unknown | (pl.col("place_id") != pl.col("村代码")))
                             .select(ROW, *refusal("信息员", reason)))


NO_OFFICER = "没有这个村干部账号（信息员应填村干部的登录用户名）"
ELSEWHERE = "该村干部不在本户所在的村工作，不能担任本户信息员"


def reject_heads_registered_elsewhere(survey: Survey, registry: Registry, place=None
                                      ) -> None:
    """One person, one household (domain.md §3): a head's ID number must not belong to a
    member of another household, in this file or in the registry."""
    in_file = pl.concat([survey.members.frame.select("身份证号", "户编号"),
                         survey.unchanged_members]).select(
        pl.col("身份证号").alias("户主身份证号"), pl.col("户编号").alias("in_file"))
    registered = registry.members.select(pl.col("身份证号").alias("户主身份证号"),
                                         pl.col("所在户编号").alias("registered"))
    heads = survey.households.frame.select(ROW, "户编号", "户主身份证号").join(
        in_file, on="户主身份证号", how="left").join(registered, on="户主身份证号", how="left")
    number = pl.col("户编号")
    heads = heads.with_columns(pl.min_horizontal(pl.when(pl.col(c) != number).then(pl.col(c))
                                                 for c in ("in_file", "registered"))
                               .alias("other")).filter(pl.col("other").is_not_null())
    other = pl.when(seen_by_importer(heads, registry, place)).then(
        text("农户 ", pl.col("other"), " ")).otherwise(pl.lit("本人负责地区以外一户"))
    survey.households.reject(heads.select(ROW, *refusal(
        "户主身份证号", text("该身份证号已是", other, f"的成员，{ONE_HOUSEHOLD}"))))


def seen_by_importer(rows: pl.DataFrame, registry: Registry, place) -> pl.Series:
    """Whether a refusal may name the household `other` of each row by its 户编号: the
    command sees all, the page's user their place; outside it a household is as one that
    does not exist (domain.md §1), so it goes unnamed."""
    if place is None:
        return pl.repeat(True, rows.height, eager=True)
    villages = pl.concat([
        registry.households.select(pl.col("户编号").alias("other"),
                                   pl.col(f"村代码{STORED}").alias("village")),
        registry.members.select(pl.col("所在户编号").alias("other"),
                                pl.col("所在村").alias("village"))]).unique("other")
    return rows.join(villages, on="other", how="left", maintain_order="left").select(
        pl.col("village").fill_null("").str.starts_with(place.code)).to_series()


def rejected_numbers(sheet: CleanSheet) -> pl.DataFrame:
    return pl.DataFrame(list(sheet.rejected_numbers.items()), orient="row",
                        schema={"户编号": pl.String, "bad": pl.Int64})


def drop_orphans(survey: Survey, registry: Registry) -> None:
    """Members and checks need their household: in this file's good rows or the registry."""
    known = pl.concat([survey.households.frame["户编号"], registry.households["户编号"]])
    bad = rejected_numbers(survey.households)
    for sheet in (survey.members, survey.checks):
        orphans = sheet.frame.filter(~pl.col("户编号").is_in(known.implode())).join(
            bad, on="户编号", how="left")
        reason = pl.when(pl.col("bad").is_not_null()).then(
            text("所属农户（农户表第", pl.col("bad"), "行）未能导入，本行一并退回")).otherwise(
            pl.lit("户编号在农户表和系统中都不存在"))
        sheet.reject(orphans.select(ROW, *refusal("户编号", reason)))


def reject_members_registered_elsewhere(survey: Survey, registry: Registry, place=None
                                        ) -> None:
    members = with_stored_members(survey, registry)
    elsewhere = members.filter(pl.col("所在户编号").is_not_null()
                               & (pl.col("所在户编号") != pl.col("户编号"))
                               ).with_columns(pl.col("所在户编号").alias("other"))
    where = pl.when(seen_by_importer(elsewhere, registry, place)).then(
        text("其他农户（户编号 ", pl.col("other"), "）")).otherwise(
        pl.lit("本人负责地区以外的农户"))
    survey.members.reject(elsewhere.select(ROW, *refusal("身份证号", text(
        "该身份证号已登记在", where, f"，{ONE_HOUSEHOLD}"))))


def reject_worked_check_changes(survey: Survey, registry: Registry) -> None:
    """A check is never edited after the alerts of its household were worked on by a
    person (domain.md §4): a correction is a new check."""
    if not registry.worked:
        return
    checks = with_stored_checks(survey, registry)
    checks = checks.filter(pl.col("check_id").is_not_null()
                           & pl.col("household_id").is_in(list(registry.worked)))
    changed = checks.select(ROW, changed_columns(checks, CHECK_FIELDS).alias("changed"))
    changed = changed.filter(pl.col("changed").list.len() > 0)
    survey.checks.reject(changed.select(ROW, *refusal(pl.col("changed").list.first(), text(
        f"{WORKED}，已登记的排查不能修改（改动：", pl.col("changed").list.join("、"),
        f"）；{NEW_CHECK}"))))


def newest_in_file(survey: Survey) -> pl.DataFrame:
    """户编号 → the household's newest visit date among the file's good check rows."""
    return survey.checks.frame.group_by("户编号").agg(pl.col("排查日期").max().alias("newest"))


def frozen_households(survey: Survey, registry: Registry) -> pl.Series:
    """Worked households whose newest check in this file is already stored: their member
    rows describe that check, which may not change."""
    checks = with_stored_checks(survey, registry).join(newest_in_file(survey), on="户编号")
    has_new = checks.filter((pl.col("排查日期") == pl.col("newest"))
                            & pl.col("check_id").is_null())["户编号"]
    return checks.filter(~pl.col("户编号").is_in(has_new.implode())
                         & pl.col("household_id").is_in(list(registry.worked)))["户编号"].unique()


def reject_frozen_member_changes(survey: Survey, registry: Registry) -> None:
    if not registry.worked:
        return
    frozen = frozen_households(survey, registry)
    members = with_stored_members(survey, registry).filter(pl.col("户编号").is_in(
        frozen.implode()))
    observed = {c: f for c, f in MEMBER_FIELDS.items() if c in OBSERVED}
    members = members.with_columns(changed_columns(members, observed).alias("changed"))
    new = pl.col("member_id").is_null()
    column = pl.when(new).then(pl.lit("身份证号")).otherwise(pl.col("changed").list.first())
    reason = pl.when(new).then(pl.lit(NO_NEW_MEMBER)).otherwise(text(
        f"{WORKED}，成员情况随排查登记，不能修改（改动：", pl.col("changed").list.join("、"),
        f"）；{NEW_CHECK}"))
    survey.members.reject(members.filter(new | (pl.col("changed").list.len() > 0)).select(
        ROW, *refusal(column, reason)))


def reject_checks_of_rejected_members(survey: Survey, registry: Registry) -> None:
    """A new or changed check of a household with a rejected member row waits for it:
    the per-capita income and the rules read every member."""
    if not survey.members.rejected_numbers:
        return
    checks = with_stored_checks(survey, registry).join(
        rejected_numbers(survey.members), on="户编号")
    checks = checks.filter(pl.col("check_id").is_null()
                           | (changed_columns(checks, CHECK_FIELDS).list.len() > 0))
    survey.checks.reject(checks.select(ROW, *refusal("户编号", text(
        "该户成员表第", pl.col("bad"), WAITS))))


def reject_checks_without_members(survey: Survey, registry: Registry) -> None:
    in_file = survey.members.frame["户编号"].unique().implode()
    checks = household_ids(survey.checks.frame, registry).join(
        registry.member_counts, on="household_id", how="left")
    survey.checks.reject(checks.filter(~pl.col("户编号").is_in(in_file)
                                       & (pl.col("members").fill_null(0) == 0))
                         .select(ROW, *refusal("户编号", pl.lit(NO_MEMBERS))))
