"""Factories for tests: valid places, households, members and users in one small county."""

import itertools
from datetime import date

import factory

from households.idnumber import check_character
from households.models import Household, Member, Place
from monitor.choices import PlaceLevel
from monitor.models import User
from monitor.roles import Role

_sequence = itertools.count(1)


def id_number(birth: date = date(1980, 5, 1), male: bool = True, area: str = "500241") -> str:
    """A valid, unique resident ID number for this birth date and sex. Past 499 numbers
    the area code moves on, so a long session never hands out a number twice (the
    registry refuses a repeated ID number, and which test got the repeat depended on
    the order the tests ran in)."""
    n = next(_sequence)
    seq = (n % 499) * 2 + (1 if male else 0)
    area = f"{int(area) + n // 499:06d}"
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def place(code: str, name: str | None = None) -> Place:
    level = {6: PlaceLevel.COUNTY, 9: PlaceLevel.TOWN, 12: PlaceLevel.VILLAGE}[len(code)]
    parent = place(code[:9] if len(code) == 12 else code[:6]) if len(code) > 6 else None
    obj, _ = Place.objects.get_or_create(
        code=code, defaults={"name": name or f"地区{code}", "level": level, "parent": parent})
    return obj


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    number = factory.Sequence(lambda n: f"H{n:06d}")
    village = factory.LazyFunction(lambda: place("500241101201", "平所村"))
    head_name = "杨明华"
    head_id_number = factory.LazyFunction(id_number)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"成员{n}")
    relation = "户主"
    id_number = factory.LazyFunction(id_number)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.VILLAGE
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-9")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()
