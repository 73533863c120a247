/* Resident ID numbers (GB 11643) checked on the phone, as households/idnumber.py checks
   them on the server, in the same order and the same words: shape, birth date, a birth
   date in the future, check character. tests/data/idnumber_cases.json holds the cases
   both are tested against (tests/test_idnumber.py, tests/browser/test_member_forms.py).

   window.shouwangIdNumber.check(raw, today?) → {ok: true, number, birthDate, sex}
                                              | {ok: false, code, message}
   today is "YYYY-MM-DD"; by default the phone's date. */
(function () {
  "use strict";
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK_MAP = "10X98765432";
  var SHAPE = /^[0-9]{17}[0-9X]$/;

  function pad(n, width) {
    var text = String(n);
    while (text.length < width) { text = "0" + text; }
    return text;
  }

  function localToday() {
    var now = new Date();
    return pad(now.getFullYear(), 4) + "-" + pad(now.getMonth() + 1, 2) + "-" + pad(now.getDate(), 2);
  }

  function checkCharacter(first17) {
    var total = 0;
    for (var i = 0; i < 17; i++) { total += parseInt(first17.charAt(i), 10) * WEIGHTS[i]; }
    return CHECK_MAP.charAt(total % 11);
  }

  /* "YYYY-MM-DD" of the birth date in the number, or null for a date that does not exist. */
  function birthDate(number) {
    var y = parseInt(number.slice(6, 10), 10);
    var m = parseInt(number.slice(10, 12), 10);
    var d = parseInt(number.slice(12, 14), 10);
    var date = new Date(0);
    date.setUTCFullYear(y, m - 1, d);
    if (y < 1 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
      return null;
    }
    return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2);
  }

  function refuse(code, message) { return { ok: false, code: code, message: message }; }

  function check(raw, today) {
    raw = raw == null ? "" : String(raw);
    var number = raw.trim().toUpperCase();
    if (!SHAPE.test(number)) {
      return refuse("id_shape", "身份证号“" + raw + "”格式不对：应为18位，前17位是数字，最后一位是数字或X");
    }
    var born = birthDate(number);
    if (born === null) {
      return refuse("id_birth_date", "身份证号“" + number + "”中的出生日期" + number.slice(6, 14) + "不存在");
    }
    if (born > (today || localToday())) {
      return refuse("id_future", "身份证号“" + number + "”中的出生日期" + born + "在今天之后");
    }
    var expected = checkCharacter(number.slice(0, 17));
    if (number.charAt(17) !== expected) {
      return refuse("id_check", "身份证号“" + number + "”校验码错误：最后一位应为" + expected +
                    "，而不是" + number.charAt(17));
    }
    return { ok: true, number: number, birthDate: born,
             sex: parseInt(number.charAt(16), 10) % 2 === 1 ? "男" : "女" };
  }

  window.shouwangIdNumber = { check: check, checkCharacter: checkCharacter };
}());
