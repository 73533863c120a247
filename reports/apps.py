from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The five lists, the ledger, the dashboard and their export files."""

    name = "reports"
    verbose_name = "报表"
