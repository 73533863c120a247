"""The one pager under every list page (templates/_pager.html)."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string


def pager(number: int, rows: int = 120, **context) -> str:
    return render_to_string("_pager.html", {"page": Paginator(range(rows), 50).get_page(number),
                                            **context})


def test_it_links_the_pages_around_with_the_lists_filters():
    html = pager(2, query="state=open&rule=DROPOUT")
    assert 'href="?state=open&amp;rule=DROPOUT&amp;page=1"' in html
    assert 'href="?state=open&amp;rule=DROPOUT&amp;page=3"' in html
    assert "第 2 / 3 页" in html


def test_without_filters_it_links_the_page_alone():
    html = pager(1)
    assert 'href="?page=2"' in html and "上一页" not in html


def test_a_list_of_one_page_has_no_pager():
    assert pager(1, rows=3).strip() == ""
