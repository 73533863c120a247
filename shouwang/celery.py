"""The Celery app. Used only when CELERY_BROKER_URL is set; otherwise work runs in-process."""

import logging
import logging.config
import os

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

from monitor.privacy import PersonalDataFilter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")

app = Celery("shouwang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(loglevel=None, logfile=None, **kwargs):
    """The worker logs through settings.LOGGING, whose handlers mask ID numbers and phones
    (monitor/privacy.py), instead of replacing the root handlers with its own unfiltered
    ones. `--loglevel` still sets how much Celery says; `--logfile` gets a masked handler."""
    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger("celery").setLevel(loglevel)
    if logfile:
        handler = logging.FileHandler(logfile)
        handler.addFilter(PersonalDataFilter())
        logging.getLogger().addHandler(handler)
