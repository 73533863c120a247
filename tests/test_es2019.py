"""The officer's phone may be a five-year-old Android with Chrome 80: our JavaScript uses
no syntax newer than ES2019 (there is no build step to transpile it). Chrome 80 knows
ES2019 and a little more, but not optional chaining (?.), nullish coalescing (??),
logical assignment, numeric separators, class fields or static blocks, private #names
or BigInt literals, import.meta. Comments and strings are taken out first, so the
words of a message never trip it. ECharts (supervisors' desktops only) is not checked."""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SCRIPTS = sorted([*ROOT.glob("static/js/*.js"), *ROOT.glob("static/vendor/idb/*.js"),
                  ROOT / "templates/offline/sw.js"])
NEWER = {
    "optional chaining (?.), ES2020": re.compile(r"\?\.(?!\d)"),
    "nullish coalescing (??), ES2020": re.compile(r"\?\?"),
    "logical assignment (||= &&=), ES2021": re.compile(r"(\|\||&&)="),
    "numeric separator (1_000), ES2021": re.compile(r"\b\d+_\d"),
    "BigInt literal (10n), ES2020": re.compile(r"\b\d+n\b"),
    "private #name, ES2022": re.compile(r"(?<![\w$])#[A-Za-z_$]"),
    "class static block, ES2022": re.compile(r"\bstatic\s*\{"),
    "import.meta / import(), ES2020": re.compile(r"\bimport\s*(\.|\()"),
}
QUOTED = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?\*/)"""
    r"""|(?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)"""
    r"""|(?P<before>[(,=:\[!&|?{};]\s*|\breturn\s+)/(?:\\.|\[(?:\\.|[^\]\\])*\]|[^/\\\n])+/[a-z]*""",
    re.S)


def code_of(text: str) -> str:
    """The script without comments, strings and regular expressions (each becomes "")."""
    def blank(match):
        if match.group("comment"):
            return ""
        return (match.group("before") or "") + '""'
    return QUOTED.sub(blank, text)


def test_the_check_finds_what_it_looks_for():
    for sample in ("a?.b", "a ?? b", "a ||= b", "1_000", "10n", "this.#x", "static {",
                   "import.meta"):
        assert any(rule.search(code_of(sample)) for rule in NEWER.values()), sample
    for fine in ("a ? .5 : 1", "'a?.b ?? c' // x?.y", "x => x * 2", "async function f() {}",
                 "var m = /#outbox=([^&]+)/.exec(h);", "a / b / c"):
        assert not any(rule.search(code_of(fine)) for rule in NEWER.values()), fine


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_our_scripts_run_on_chrome_80(script):
    code = code_of(script.read_text())
    found = [name for name, rule in NEWER.items() if rule.search(code)]
    assert not found, f"{script.name}: {found}"
