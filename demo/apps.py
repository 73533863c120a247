from django.apps import AppConfig


class DemoConfig(AppConfig):
    """A demo county made the way a real one arrives, with a person of every role who has
    work on first login (`make demo`)."""

    name = "demo"
    verbose_name = "演示县"
