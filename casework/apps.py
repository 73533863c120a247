from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """Department comparison, declarations, identification and elimination, data quality."""

    name = "casework"
    verbose_name = "监测工作"
