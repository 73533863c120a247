"""No log line carries a full ID number, whatever the encoding (issue 16, item 4): the
shipped gunicorn access log writes the path without the query string or the referring
page, and Django's log filter decodes a URL's escapes before it masks (q%3D500241…)."""

import logging
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.conf import settings
from gunicorn.config import Config
from gunicorn.glogging import Logger

from monitor.privacy import PersonalDataFilter

ID = "500241198005010016"
PHONE = "13812345678"


def gunicorn_access_line(query: str, referer: str) -> str:
    """The line the shipped deploy/gunicorn.conf.py writes for one request."""
    config = Config()
    source = (Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py").read_text()
    shipped = {}
    exec(compile(source, "gunicorn.conf.py", "exec"), shipped)  # noqa: S102
    config.set("access_log_format", shipped["access_log_format"])
    config.set("accesslog", "-")
    logger = Logger(config)
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.access_log.addHandler(handler)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/households/?{query}",
               "PATH_INFO": "/households/", "QUERY_STRING": query,
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": referer, "HTTP_USER_AGENT": "test"}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(seconds=0))
    return lines[-1]


ENCODED = [f"q={ID}", f"q%3D{ID}", f"q={quote(ID + ' ')}", f"q%253D{ID}",
           f"a=1%2C{ID}", f"q=%35{ID[1:]}", f"tel%3D{PHONE}"]


@pytest.mark.parametrize("query", ENCODED)
def test_the_gunicorn_access_log_writes_no_query_string_and_no_referer(query):
    line = gunicorn_access_line(query, f"https://shouwang.example/households/?{query}")
    assert ID[6:14] not in line and PHONE[3:7] not in line
    assert '"GET /households/ HTTP/1.1" 200' in line


@pytest.mark.parametrize("query", ENCODED)
def test_the_django_log_filter_masks_a_number_in_any_url_encoding(query):
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1,
                               "Not Found: %s", (f"/households/?{query}",), None)
    PersonalDataFilter().filter(record)
    assert ID[6:14] not in record.getMessage() and PHONE[3:7] not in record.getMessage()
