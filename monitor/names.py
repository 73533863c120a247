"""What a person's name may hold (issue 16, item 12): the one check used by the models,
the page forms, the API and the survey import.

A name is shown everywhere a person is (pages, lists, exports, messages). Control
characters, and the invisible format characters of Unicode among which are the
bidirectional overrides (U+202E turns "王小明\u202e" + "ffo" into what reads as another
text), make a name display as something it is not; none of them is part of a name.
"""

import unicodedata

from django.core.exceptions import ValidationError

# Unicode categories no name contains: controls, format characters (bidi overrides and
# isolates, zero-width joiners and spaces, the BOM), line and paragraph separators,
# private-use and surrogate code points.
UNSAFE = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}


def name_problem(value: str) -> str:
    """Why this text cannot be a name, in Chinese, or "" when it can."""
    for char in value:
        if unicodedata.category(char) in UNSAFE:
            return (f"姓名中含有不可见或改变显示方向的字符（U+{ord(char):04X}），"
                    "会让姓名显示成别的样子：请删去后重新填写")
    return ""


def validate_name(value: str) -> None:
    """A Django validator for every name field of models, forms and the API."""
    problem = name_problem(value or "")
    if problem:
        raise ValidationError(problem, code="unsafe_name")
