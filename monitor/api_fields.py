"""Serializer fields and filters every API module shares: personal data shown as the
user may see it (monitor/privacy.py), a person by name, a place code and what it covers."""

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from monitor.privacy import mask_id_number, mask_phone, sees_personal_data

# ── Personal data ───────────────────────────────────────────────────────────


def masks_personal_data(context) -> bool:
    """Whether the requesting user gets personal data masked (monitor/privacy.py); without
    a request in the context, masked."""
    request = context.get("request")
    return request is None or not sees_personal_data(request.user)


class IdNumberField(serializers.CharField):
    """An ID number, masked for those who do not see it (department staff)."""

    def to_representation(self, value):
        value = super().to_representation(value)
        return mask_id_number(value) if value and masks_personal_data(self.context) else value


class PhoneField(serializers.CharField):
    def to_representation(self, value):
        value = super().to_representation(value)
        return mask_phone(value) if value and masks_personal_data(self.context) else value


class BirthDateField(serializers.DateField):
    """A birth date, withheld (null) from department staff: the masked ID hides it too."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        if not value or masks_personal_data(self.context):
            return None
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return super().to_representation(value)


@extend_schema_field(OpenApiTypes.STR)
class PersonField(serializers.Field):
    """A user as a name: full name, else username."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, user):
        return user.display_name


def place_prefix(queryset, field_name: str, code: str):
    """Within the place with this code: the code is a prefix of the village's."""
    return queryset.filter(**{f"{field_name}__startswith": code})


PLACE_HELP = "地区代码（区县6位、乡镇9位、村12位）：该地区及其下级"
