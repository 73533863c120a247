"""The roles people work in and the departments' channels (domain.md §1), and what each
role may do."""

from django.db import models


class Role(models.TextChoices):
    VILLAGE = "village", "村干部"
    TOWN = "town", "乡镇"
    COUNTY = "county", "区县"
    DEPARTMENT = "department", "行业部门"
    ADMIN = "admin", "管理员"


class Channel(models.TextChoices):
    """The departments' "green channels" (domain.md §1, §5)."""

    CIVIL = "civil", "民政"
    EDUCATION = "education", "教育"
    MEDICAL = "medical", "医保"
    HOUSING = "housing", "住建"
    WATER = "water", "水利"
    LABOUR = "labour", "人社"
