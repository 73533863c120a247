"""A demo county shaped like Xiushan (seeds 000 and 002): towns, villages, households and
members with realistic sizes, deterministic for a given seed.

Xiushan checked 140,776 households (17,018 registered, 123,758 not); a household has about
3.3 members; Aikou's per-capita income rose from 10,218 (2017) to 17,569 yuan (2020).
"""

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter

from households.idnumber import check_character
from monitor.choices import Health, Labour, PovertyStatus, Schooling, Work

COUNTY = ("500241", "秀山土家族苗族自治县")
TOWNS = [
    "隘口镇", "中和街道", "乌杨街道", "平凯街道", "官庄街道", "清溪场街道", "龙凤坝镇", "溶溪镇",
    "石堤镇", "峨溶镇", "洪安镇", "雅江镇", "石耶镇", "梅江镇", "兰桥镇", "膏田镇", "溪口镇",
    "妙泉镇", "宋农镇", "里仁镇", "钟灵镇", "龙池镇", "孝溪乡", "海洋乡", "大溪乡", "涌洞乡",
    "中平乡", "岑溪乡",
]
AIKOU_VILLAGES = ["平所村", "太阳山村", "屯堡村", "东坪村", "富裕村", "坝芒村", "新庄村",
                  "岩院村", "隘口社区", "坝联村", "三角村"]
VILLAGE_WORDS = ["龙", "凤", "石", "坪", "岩", "溪", "桥", "沙", "茶", "竹", "梅", "杉", "金",
                 "银", "大", "小", "新", "红", "青", "白", "田", "山", "河", "湾", "坝", "堡"]
SURNAMES = "杨田吴龙彭白石张王李刘陈黄周徐胡冉罗姚何向谢滕麻"
GIVEN = "明华国平建军红英秀芳丽兰志强永福德春生海林云桂莲玉清文武成忠勇新"
GROUPS = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"]
HOUSEHOLD_SIZES = [1, 2, 3, 4, 5, 6, 7]
SIZE_WEIGHTS = [8, 20, 27, 24, 13, 6, 2]  # mean ≈ 3.3 members
REGISTERED_SHARE = 17018 / 140776


HOUSEHOLD_COLUMNS = ["户编号", "村代码", "村民小组", "户主姓名", "户主身份证号", "联系电话",
                     "是否建档立卡", "脱贫状态", "脱贫年度"]
MEMBER_COLUMNS = ["户编号", "姓名", "身份证号", "与户主关系", "在校情况", "健康状况", "劳动能力",
                  "务工状况", "参加基本医疗保险"]
CHECK_COLUMNS = ["户编号", "排查日期", "排查类型", "排查人", "不愁吃", "不愁穿", "住房安全",
                 "饮水水量", "饮水水质", "取水方便", "供水保证", "工资性收入", "经营性收入",
                 "财产性收入", "转移性收入", "医疗自付支出", "教育支出", "突发情况", "突发损失",
                 "备注"]
SHEETS = {"农户": HOUSEHOLD_COLUMNS, "成员": MEMBER_COLUMNS, "排查": CHECK_COLUMNS}
MEDIAN_INCOME = 17000  # per head and year; Aikou reached 17,569 yuan in 2020


def _village_names(rng: random.Random, town_index: int, count: int) -> list[str]:
    if town_index == 0:
        return AIKOU_VILLAGES[:count] + [f"隘口{n}村" for n in range(count - len(AIKOU_VILLAGES))]
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(VILLAGE_WORDS) + rng.choice(VILLAGE_WORDS) + "村"
        if name not in names:
            names.append(name)
    return names


def town_code(index: int) -> str:
    name = TOWNS[index]
    base = 0 if name.endswith("街道") else (200 if name.endswith("乡") else 100)
    return f"{COUNTY[0]}{base + index + 1:03d}"


def plan_places(households: int, rng: random.Random) -> list[tuple[str, str, str | None]]:
    """(code, name, parent code) for the county, its towns and about one village per 500
    households at full scale (Xiushan has ~270), at least two towns."""
    village_count = max(4, min(len(TOWNS) * 11, households // 120, 280))
    town_count = max(2, min(len(TOWNS), (village_count + 9) // 10))
    places = [(COUNTY[0], COUNTY[1], None)]
    per_town = [village_count // town_count + (i < village_count % town_count)
                for i in range(town_count)]
    for town_index, count in enumerate(per_town):
        town = town_code(town_index)
        places.append((town, TOWNS[town_index], COUNTY[0]))
        for n, name in enumerate(_village_names(rng, town_index, count), start=1):
            places.append((f"{town}{200 + n:03d}", name, town))
    return places


class IdNumbers:
    """Valid, unique resident ID numbers from the county's area code."""

    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def make(self, birth: date, male: bool) -> str:
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            first17 = f"{COUNTY[0]}{birth:%Y%m%d}{seq:03d}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + check_character(first17)


def _birth(rng: random.Random, age: int, today: date) -> date:
    return today - timedelta(days=age * 365 + rng.randrange(0, 365))


def _member_rows(rng: random.Random, size: int, today: date) -> list[dict]:
    """A head, perhaps a spouse, children and elders, with schooling, labour and work."""
    head_age = int(rng.triangular(26, 80, 48))
    people = [("户主", head_age)]
    if size > 1:
        people.append(("配偶", max(20, head_age + rng.randint(-5, 3))))
    for _ in range(size - len(people)):
        if head_age > 60 and rng.random() < 0.5:
            people.append(("孙子女", rng.randint(1, 16)))
        elif head_age < 45 and rng.random() < 0.3:
            people.append(("父母", head_age + rng.randint(22, 30)))
        else:
            people.append(("子女", rng.randint(max(0, head_age - 45), max(1, head_age - 20))))
    rows = []
    for relation, age in people:
        schooling = (Schooling.PRESCHOOL if age < 6 else
                     Schooling.IN_SCHOOL if age <= 18 else Schooling.NOT_IN_SCHOOL)
        if 6 <= age <= 15 and rng.random() < 0.004:
            schooling = Schooling.DROPPED_OUT
        health = rng.choices(list(Health), weights=[82, 10, 3, 5])[0]
        if age < 16 or age > 75:
            labour = Labour.NONE if age < 16 else rng.choice([Labour.WEAK, Labour.LOST])
        elif age > 65:
            labour = rng.choices([Labour.ORDINARY, Labour.WEAK, Labour.LOST], [5, 4, 1])[0]
        else:
            labour = rng.choices(list(Labour), weights=[70, 16, 10, 2, 2])[0]
        if health in (Health.SERIOUS, Health.DISABLED) and labour in (Labour.ORDINARY,
                                                                      Labour.SKILLED):
            labour = Labour.WEAK
        works = labour in (Labour.ORDINARY, Labour.SKILLED) and rng.random() < 0.85
        work = rng.choice([Work.IN_COUNTY, Work.OUT_OF_COUNTY]) if works else Work.NONE
        rows.append({
            "relation": relation, "age": age, "male": rng.random() < 0.5 if relation != "户主"
            else rng.random() < 0.85, "schooling": schooling, "health": health,
            "disability_grade": rng.choice(["一级", "二级", "三级", "四级"])
            if health == Health.DISABLED else "",
            "labour": labour, "work": work, "insured": rng.random() > 0.003,
        })
    return rows


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(
        rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))




def yes_no(flag: bool) -> str:
    return "是" if flag else "否"


@dataclass
class DemoHousehold:
    """One household as the survey workbook's rows: 农户, 成员 and 排查."""

    household: dict
    members: list[dict]
    checks: list[dict]


def _campaign_day(rng: random.Random, year: int) -> date:
    return date(year, 4, 1) + timedelta(days=rng.randrange(0, 91))


def _check_row(rng: random.Random, number: str, visit: date, kind: str, size: int,
               per_capita: float, people: list[dict], officer: str) -> dict:
    """One visit's answers: mostly secure, with the rarer risks at plausible rates."""
    total = per_capita * size
    elderly = not any(p["labour"] in (Labour.ORDINARY, Labour.SKILLED) for p in people)
    transfers = total * (rng.uniform(0.4, 0.9) if elderly else rng.uniform(0.05, 0.25))
    rest = total - transfers
    wages, business = rest * rng.uniform(0.55, 0.85), rest * rng.uniform(0.05, 0.3)
    seriously_ill = any(p["health"] == Health.SERIOUS for p in people)
    medical = total * rng.uniform(0.2, 0.7) if seriously_ill else rng.uniform(0, 1500)
    children = sum(1 for p in people if p["schooling"] == Schooling.IN_SCHOOL)
    event = rng.choices(["无", "因灾", "意外事故", "重大疾病"], weights=[995, 2, 2, 1])[0]
    return {
        "户编号": number, "排查日期": visit.isoformat(), "排查类型": kind, "排查人": officer,
        "不愁吃": yes_no(rng.random() > 0.001), "不愁穿": yes_no(rng.random() > 0.001),
        "住房安全": rng.choices(["A", "B", "C", "D", "已搬迁", "已改造"],
                            weights=[55, 30, 0.4, 0.1, 6, 8.5])[0],
        "饮水水量": yes_no(rng.random() > 0.003), "饮水水质": yes_no(rng.random() > 0.003),
        "取水方便": yes_no(rng.random() > 0.003), "供水保证": yes_no(rng.random() > 0.003),
        "工资性收入": f"{wages:.2f}", "经营性收入": f"{business:.2f}",
        "财产性收入": f"{max(0.0, rest - wages - business):.2f}", "转移性收入": f"{transfers:.2f}",
        "医疗自付支出": f"{medical:.2f}", "教育支出": f"{children * rng.uniform(300, 2500):.2f}",
        "突发情况": event, "突发损失": f"{rng.uniform(3000, 60000):.2f}" if event != "无" else "0",
        "备注": "",
    }


# Dropouts are rare (a few in a thousand pupils), but a county's education bureau must
# see how one is worked: a household in every DROPOUT_EVERY has its first pupil out.
DROPOUT_EVERY = 150


def drop_out_first_pupil(people: list[dict]) -> None:
    for person in people:
        if 6 <= person["age"] <= 15:
            person["schooling"] = Schooling.DROPPED_OUT
            return


def iter_demo_households(households: int, villages: list[str], seed: int, today: date
                         ) -> Iterator[DemoHousehold]:
    """The county's households, streamed: each with its members and its checks (last
    year's and this year's campaign survey, and a routine visit for some)."""
    rng, ids = random.Random(seed), IdNumbers(random.Random(seed + 1))
    this_year = today.year if today >= date(today.year, 7, 1) else today.year - 1
    for n in range(households):
        village = villages[n % len(villages)]
        number = f"{village}{n // len(villages) + 1:04d}"
        registered = rng.random() < REGISTERED_SHARE
        status = (PovertyStatus.GENERAL if not registered else
                  PovertyStatus.NOT_OUT if rng.random() < 0.02 else PovertyStatus.OUT)
        size = rng.choices(HOUSEHOLD_SIZES, weights=SIZE_WEIGHTS)[0]
        surname = rng.choice(SURNAMES)
        people = _member_rows(rng, size, today)
        if n % DROPOUT_EVERY == DROPOUT_EVERY // 2:
            drop_out_first_pupil(people)
        members = []
        for index, person in enumerate(people):
            birth = _birth(rng, person["age"], today)
            name = _name(rng, surname if index == 0 or person["relation"] in ("子女", "孙子女")
                         else None)
            members.append({
                "户编号": number, "姓名": name, "身份证号": ids.make(birth, person["male"]),
                "与户主关系": person["relation"], "在校情况": person["schooling"],
                "健康状况": person["health"], "劳动能力": person["labour"],
                "务工状况": person["work"], "参加基本医疗保险": yes_no(person["insured"]),
            })
        household = {
            "户编号": number, "村代码": village, "村民小组": rng.choice(GROUPS),
            "户主姓名": members[0]["姓名"], "户主身份证号": members[0]["身份证号"],
            "联系电话": f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
            "是否建档立卡": yes_no(registered), "脱贫状态": status,
            "脱贫年度": str(rng.randint(2015, 2020)) if status == PovertyStatus.OUT else "",
        }
        officer = f"{village[-3:]}号信息员"
        last_year = rng.lognormvariate(0, 0.45) * MEDIAN_INCOME / 1.08
        this = last_year * (rng.uniform(0.45, 0.7) if rng.random() < 0.03 else
                            rng.uniform(0.98, 1.18))
        checks = [
            _check_row(rng, number, _campaign_day(rng, this_year - 1), "集中排查", size,
                       last_year, people, officer),
            _check_row(rng, number, _campaign_day(rng, this_year), "集中排查", size, this,
                       people, officer),
        ]
        if rng.random() < 0.12:
            visit = min(today, date(this_year, 9, 1) + timedelta(days=rng.randrange(0, 75)))
            checks.append(_check_row(rng, number, visit, "日常走访", size,
                                     this * rng.uniform(0.95, 1.1), people, officer))
        yield DemoHousehold(household, members, checks)


@dataclass
class DemoSurvey:
    places_file: Path
    workbook: Path
    towns: int
    villages: int
    households: int
    members: int
    checks: int


def write_demo_survey(out: Path, *, households: int = 600, seed: int = 2021,
                      today: date | None = None, fmt: str = "csv") -> DemoSurvey:
    """Write the demo county as the county would hand it over: a places file (代码,名称)
    and the survey workbook of interfaces.md — a folder of three CSVs or one .xlsx."""
    today = today or date.today()
    out.mkdir(parents=True, exist_ok=True)
    places = plan_places(households, random.Random(seed))
    places_file = out / "地区.csv"
    with places_file.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["代码", "名称"])
        writer.writerows((code, name) for code, name, _ in places)
    villages = [code for code, _, _ in places if len(code) == 12]
    rows = iter_demo_households(households, villages, seed, today)
    sheets = SurveyCsv(out / "普查") if fmt == "csv" else SurveyXlsx(out / "普查.xlsx")
    counts = {"农户": 0, "成员": 0, "排查": 0}
    with sheets:
        for item in rows:
            sheets.write("农户", [item.household])
            sheets.write("成员", item.members)
            sheets.write("排查", item.checks)
            counts["农户"] += 1
            counts["成员"] += len(item.members)
            counts["排查"] += len(item.checks)
    return DemoSurvey(places_file, sheets.path, sum(len(c) == 9 for c, _, _ in places),
                      len(villages), counts["农户"], counts["成员"], counts["排查"])


class SurveyCsv:
    """The workbook as a folder of 农户.csv, 成员.csv, 排查.csv (UTF-8 with BOM)."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.path.mkdir(parents=True, exist_ok=True)
        self.files = {name: (self.path / f"{name}.csv").open("w", encoding="utf-8-sig",
                                                              newline="") for name in SHEETS}
        self.writers = {name: csv.DictWriter(self.files[name], fieldnames=columns)
                        for name, columns in SHEETS.items()}
        for writer in self.writers.values():
            writer.writeheader()
        return self

    def write(self, sheet: str, rows: list[dict]) -> None:
        self.writers[sheet].writerows(rows)

    def __exit__(self, *exc):
        for handle in self.files.values():
            handle.close()


class SurveyXlsx:
    """The workbook as one .xlsx with three sheets, streamed (constant memory)."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.book = xlsxwriter.Workbook(str(self.path), {"constant_memory": True})
        self.sheets = {name: self.book.add_worksheet(name) for name in SHEETS}
        self.next_row = dict.fromkeys(SHEETS, 1)
        for name, columns in SHEETS.items():
            self.sheets[name].write_row(0, 0, columns)
        return self

    def write(self, sheet: str, rows: list[dict]) -> None:
        columns = SHEETS[sheet]
        for row in rows:
            self.sheets[sheet].write_row(self.next_row[sheet], 0, [row[c] for c in columns])
            self.next_row[sheet] += 1

    def __exit__(self, *exc):
        self.book.close()
