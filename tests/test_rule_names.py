"""People read rules by their 名称 (domain.md §5): on every page an alert appears, the
text a person reads never shows a bare rule code. Codes stay in the API and in values
a form sends (attributes), where only machines read them."""

from html.parser import HTMLParser

import pytest

from alerts.models import Alert
from monitor.rules import RULE_NAMES, RULES, rule_name

from .alert_helpers import alert_row

CODES = set(RULE_NAMES)


class ReadableText(HTMLParser):
    """The text of a page as a person reads it: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def codes_read_on(html: str) -> set[str]:
    parser = ReadableText()
    parser.feed(html)
    text = " ".join(parser.parts)
    return {code for code in CODES if code in text}


def test_every_rule_has_its_name_from_the_law():
    assert rule_name("DROPOUT") == "义务教育阶段失学辍学"
    assert rule_name("INCOME_NEAR_LINE") == "收入接近监测线"
    assert rule_name("DECLARATION") == "农户自主申报"
    assert all(rule.name and not rule.name.isascii() for rule in RULES)


@pytest.fixture
def one_alert_of_every_rule(household_a):
    return [alert_row(household_a, rule=code) for code in CODES]


@pytest.mark.parametrize("path", [
    "/", "/alerts/", "/alerts/?state=all", "/alerts/tasks/", "/households/HA001/",
    "/households/HA001/print/", "/monitoring/households/HA001/",
])
def test_a_county_supervisor_reads_rule_names_not_codes(client, county_supervisor,
                                                        one_alert_of_every_rule, path):
    client.force_login(county_supervisor)
    page = client.get(path)
    assert page.status_code == 200
    assert codes_read_on(page.content.decode()) == set()


def test_an_alert_page_and_its_plan_read_the_rule_name(client, county_supervisor,
                                                      one_alert_of_every_rule):
    client.force_login(county_supervisor)
    for alert in Alert.objects.all():
        for path in (f"/alerts/{alert.pk}/", f"/alerts/plans/{alert.household.number}/"):
            page = client.get(path)
            assert page.status_code == 200, path
            html = page.content.decode()
            assert codes_read_on(html) == set(), path
            assert alert.rule_name in html, path


def test_the_queue_filter_offers_names_and_sends_codes(client, county_supervisor,
                                                      one_alert_of_every_rule):
    client.force_login(county_supervisor)
    html = client.get("/alerts/").content.decode()
    assert '<option value="DROPOUT">义务教育阶段失学辍学</option>' in html
    page = client.get("/alerts/?rule=DROPOUT&state=all")
    assert [a.rule for a in page.context["page"]] == ["DROPOUT"]


def test_the_dashboard_counts_declarations_too(client, county_supervisor, household_a):
    alert_row(household_a, rule="DECLARATION")
    client.force_login(county_supervisor)
    board = client.get("/").context["board"]
    declared = [row for row in board.by_rule if row["rule"] == "DECLARATION"]
    assert declared[0]["name"] == "农户自主申报" and declared[0]["total"] == 1
