"""What the alert, plan and task API modules share: a household in brief, an alert's
evidence."""



from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from households.models import Household

# ── Shared pieces ─────────────────────────────────────────────────────────────────────


class HouseholdBrief(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)

    class Meta:
        model = Household
        fields = ["id", "number", "head_name", "village", "village_name", "group"]


EVIDENCE_SCHEMA = {
    "type": "object",
    "description": "预警依据：触发的值及其比较的阈值",
    "properties": {
        "text": {"type": "string", "description": "依据（文字）"},
        "values": {"type": "object", "additionalProperties": True,
                   "description": "触发的值"},
        "threshold": {"type": "object", "additionalProperties": True,
                      "description": "比较的阈值"},
    },
    "additionalProperties": True,
}


@extend_schema_field(EVIDENCE_SCHEMA)
class EvidenceField(serializers.JSONField):
    pass
