import pytest
from django.core.management import CommandError, call_command

from households.models import Place

PLACES = "代码,名称\n500241,秀山县\n500241101,隘口镇\n500241101201,平所村\n500241101202,太阳山村\n"


@pytest.fixture
def places_file(tmp_path):
    path = tmp_path / "places.csv"
    path.write_text(PLACES, encoding="utf-8-sig")
    return path


def load(path, capsys):
    call_command("load_places", str(path))
    return capsys.readouterr().out


def test_loading_creates_the_hierarchy(db, places_file, capsys):
    out = load(places_file, capsys)
    assert "新增 4" in out
    village = Place.objects.get(code="500241101201")
    assert village.parent.code == "500241101"
    assert village.parent.parent.code == "500241"
    assert village.level == "village"


def test_loading_the_same_file_twice_changes_nothing(db, places_file, capsys):
    load(places_file, capsys)
    before = list(Place.objects.values_list("code", "name", "parent_id", "level"))
    out = load(places_file, capsys)
    assert "新增 0，更新 0，未变 4" in out
    assert list(Place.objects.values_list("code", "name", "parent_id", "level")) == before


def test_a_renamed_place_is_updated(db, places_file, tmp_path, capsys):
    load(places_file, capsys)
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(PLACES.replace("平所村", "平所社区"), encoding="utf-8")
    assert "更新 1" in load(renamed, capsys)
    assert Place.objects.get(code="500241101201").name == "平所社区"


def test_children_may_come_before_parents(db, tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text("名称,代码\n平所村,500241101201\n隘口镇,500241101\n秀山县,500241\n",
                    encoding="utf-8")
    assert "新增 3" in load(path, capsys)


def test_gb18030_files_are_read(db, tmp_path, capsys):
    path = tmp_path / "gbk.csv"
    path.write_bytes(PLACES.encode("gb18030"))
    assert "新增 4" in load(path, capsys)
    assert Place.objects.get(code="500241").name == "秀山县"


def test_bad_rows_are_reported_and_good_rows_kept(db, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("代码,名称\n500241,秀山县\n50024,短代码\n500241999888,无上级的村\n",
                    encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_places", str(path))
    err = capsys.readouterr().err
    assert "第3行：代码“50024”应为6位" in err
    assert "第4行" in err and "上级 500241999 不存在" in err
    assert Place.objects.filter(code="500241").exists()


def test_a_missing_column_is_named(db, tmp_path):
    path = tmp_path / "nocol.csv"
    path.write_text("代码,地名\n500241,秀山县\n", encoding="utf-8")
    with pytest.raises(CommandError, match="缺少列：名称"):
        call_command("load_places", str(path))
