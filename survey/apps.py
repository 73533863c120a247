from django.apps import AppConfig


class SurveyConfig(AppConfig):
    """The county's survey workbook: reading, validating, importing."""

    name = "survey"
    verbose_name = "集中排查导入"
