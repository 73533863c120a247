from django.apps import AppConfig


class VisitsConfig(AppConfig):
    """The pages an officer works a household from, and recording a check."""

    name = "visits"
    verbose_name = "走访"
