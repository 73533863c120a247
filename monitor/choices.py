"""The domain's fixed vocabularies (domain.md §3–4). Stored as the Chinese words the
survey workbook uses, so imports, exports and the database agree without translation."""

from django.db import models


class PlaceLevel(models.TextChoices):
    COUNTY = "county", "区县"
    TOWN = "town", "乡镇/街道"
    VILLAGE = "village", "村/社区"


class PovertyStatus(models.TextChoices):
    NOT_OUT = "未脱贫", "未脱贫"
    OUT = "已脱贫", "已脱贫"
    GENERAL = "一般农户", "一般农户"


class Schooling(models.TextChoices):
    IN_SCHOOL = "在校", "在校"
    DROPPED_OUT = "失学辍学", "失学辍学"
    TAUGHT_AT_HOME = "送教上门", "送教上门"
    PRESCHOOL = "学前", "学前"
    NOT_IN_SCHOOL = "非在校", "非在校"


class Health(models.TextChoices):
    HEALTHY = "健康", "健康"
    CHRONIC = "长期慢性病", "长期慢性病"
    SERIOUS = "大病", "大病"
    DISABLED = "残疾", "残疾"


class Labour(models.TextChoices):
    ORDINARY = "普通劳动力", "普通劳动力"
    SKILLED = "技能劳动力", "技能劳动力"
    WEAK = "弱劳动力", "弱劳动力"
    LOST = "丧失劳动力", "丧失劳动力"
    NONE = "无劳动力", "无劳动力"


ABLE_LABOUR = (Labour.ORDINARY, Labour.SKILLED)


class Work(models.TextChoices):
    IN_COUNTY = "县内务工", "县内务工"
    OUT_OF_COUNTY = "县外务工", "县外务工"
    NONE = "未务工", "未务工"


WORKING = (Work.IN_COUNTY, Work.OUT_OF_COUNTY)


class CheckKind(models.TextChoices):
    CAMPAIGN = "集中排查", "集中排查"
    ROUTINE = "日常走访", "日常走访"
    FOLLOW_UP = "回头看", "回头看"
    VERIFICATION = "核实", "核实"


class HousingGrade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    RELOCATED = "已搬迁", "已搬迁"
    RENOVATED = "已改造", "已改造"


UNSAFE_HOUSING = (HousingGrade.C, HousingGrade.D)


class SuddenEvent(models.TextChoices):
    NONE = "无", "无"
    DISASTER = "因灾", "因灾"
    ACCIDENT = "意外事故", "意外事故"
    SERIOUS_ILLNESS = "重大疾病", "重大疾病"


class HouseholdClass(models.TextChoices):
    """Fuling's 六看六问 classes (domain.md §6)."""

    STABLE = "稳定", "稳定"
    CONSOLIDATED = "巩固", "巩固"
    BORDERLINE = "临界", "临界"


class KeyGroup(models.TextChoices):
    """Xiushan's three key groups (domain.md §3)."""

    NOT_OUT = "未脱贫户", "未脱贫户"
    OUT = "已脱贫户", "已脱贫户"
    BORDERLINE = "临界户", "临界户"


class MonitoringCategory(models.TextChoices):
    UNSTABLE = "脱贫不稳定户", "脱贫不稳定户"
    MARGINAL = "边缘易致贫户", "边缘易致贫户"
    SUDDEN_HARDSHIP = "突发严重困难户", "突发严重困难户"


class MemberJoined(models.TextChoices):
    """Why a member is added from the field (domain.md §3)."""

    BIRTH = "出生", "出生"
    MARRIAGE = "婚入", "婚入"
    MOVED_IN = "迁入", "迁入"


class MemberLeft(models.TextChoices):
    """Why a member leaves the household."""

    MARRIAGE = "婚出", "婚出"
    MOVED_OUT = "迁出", "迁出"
    DIED = "死亡", "死亡"
