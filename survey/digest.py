"""The digest of a household's rows in a survey workbook: its household row, its member
rows and its check rows, cleaned, with the columns the file has. Stored on the household
when all of them were imported (Household.survey_digest); a later workbook whose rows of
that household give the same digest changes nothing there, so they are counted as
unchanged and skipped before the registry is read (a county's unchanged re-import reads
140,000 households instead of 900,000 records).

What the digest vouches for is the file, not the registry: a record changed since by a
page or the phone is not put back by importing the same old workbook again.
"""

import zlib

import polars as pl

from households.models import Household
from monitor.bulk import update_frame

from .reading import ROW
from .registry import STORED
from .validation import Survey


def row_hashes(frame: pl.DataFrame, sheet: str) -> pl.DataFrame:
    """户编号 and the hash of each row's cleaned values, seeded by the sheet and the
    columns named in it (a file with other columns gives another digest)."""
    columns = [c for c in frame.columns if c != ROW]
    seed = zlib.crc32(f"{sheet}:{','.join(columns)}".encode())
    return frame.select("户编号", pl.struct(*columns).hash(seed=seed).alias("hash"))


def file_digests(survey: Survey) -> pl.DataFrame:
    """户编号 → digest (a 64-bit number) of that household's good rows in the file: the
    sum, wrapping round, of its rows' hashes in every sheet, so the rows' order does not
    count (a row's text is never built)."""
    hashes = pl.concat([row_hashes(sheet.frame, sheet.name) for sheet in survey.sheets()])
    return hashes.group_by("户编号").agg(
        pl.col("hash").sum().reinterpret(signed=True).alias("digest"))


def rejected_households(survey: Survey) -> set[str]:
    """The households with a row refused in any sheet: their digest is not kept."""
    return {number for sheet in survey.sheets() for number in sheet.rejected_numbers}


def skip_unchanged(survey: Survey, registry, digests: pl.DataFrame) -> None:
    """Take out of the sheets the rows of each household whose digest is the one stored
    (and that has no refused row): they are counted as unchanged and read no further."""
    stored = registry.households.select("户编号", "household_id",
                                        pl.col(f"digest{STORED}").alias("stored"))
    same = digests.join(stored, on="户编号").filter(
        (pl.col("digest") == pl.col("stored"))
        & ~pl.col("户编号").is_in(list(rejected_households(survey))))
    survey.unchanged = same.select("户编号", "household_id")
    kept = ~pl.col("户编号").is_in(same["户编号"].implode())
    survey.unchanged_members = survey.members.frame.filter(~kept).select("身份证号", "户编号")
    for sheet in survey.sheets():
        survey.unchanged_rows[sheet.name] = sheet.frame.filter(~kept).height
        sheet.frame = sheet.frame.filter(kept)


def digests_to_keep(survey: Survey, digests: pl.DataFrame) -> pl.DataFrame:
    """户编号 → the digest to store for each household written (the unchanged are left
    out); null for a household with a refused row, so the same file again is read whole.
    New households are written with theirs (importing.write_households)."""
    refused = list(rejected_households(survey))
    return digests.join(survey.unchanged, on="户编号", how="anti").with_columns(
        pl.when(~pl.col("户编号").is_in(refused)).then("digest").alias("digest"))


def keep_digests(registry, to_keep: pl.DataFrame) -> None:
    """Store the digest (digests_to_keep) of each registered household written whose
    digest changed (its stored one cleared when it has a refused row)."""
    final = to_keep.join(registry.households.select(
        "户编号", "household_id", pl.col(f"digest{STORED}").alias("stored")), on="户编号")
    changed = final.filter(pl.col("digest").ne_missing(pl.col("stored")))
    update_frame(Household, changed.select("household_id", survey_digest="digest"))
