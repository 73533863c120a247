/* The check form, one step at a time. Without this script every step shows at once and
   the form still submits: the server validates everything and puts errors next to fields. */
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  if (!form) { return; }
  var steps = Array.prototype.slice.call(form.querySelectorAll("fieldset.step"));
  var links = Array.prototype.slice.call(form.querySelectorAll("[data-go]"));
  var prev = form.querySelector("[data-prev]");
  var next = form.querySelector("[data-next]");
  var save = form.querySelector("button[type=submit]");
  var progress = document.getElementById("step-progress");
  var current = 0;

  function fieldsOf(step) {
    return Array.prototype.slice.call(step.querySelectorAll("[data-required]"));
  }

  function answered(field) {
    var radios = field.querySelectorAll("input[type=radio]");
    if (radios.length) {
      return Array.prototype.some.call(radios, function (r) { return r.checked; });
    }
    var control = field.querySelector("input, select, textarea");
    return !control || !control.required || control.value.trim() !== "";
  }

  function clientError(field, message) {
    var note = field.querySelector(".error.client");
    var controls = field.querySelectorAll("input, select, textarea");
    if (!message) {
      if (note) { note.remove(); }
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "error client";
      note.id = (field.id || controls[0].id) + "_client_error";
      field.appendChild(note);
    }
    note.textContent = message;
    field.classList.add("has-error");
    Array.prototype.forEach.call(controls, function (c) {
      c.setAttribute("aria-invalid", "true");
      var described = (c.getAttribute("aria-describedby") || "").split(" ");
      if (described.indexOf(note.id) < 0) { described.push(note.id); }
      c.setAttribute("aria-describedby", described.join(" ").trim());
    });
  }

  /* Required answers of one step; returns the first unanswered field, if any. */
  function check(step) {
    var first = null;
    fieldsOf(step).forEach(function (field) {
      if (answered(field)) {
        clientError(field, "");
      } else {
        clientError(field, field.getAttribute("data-required"));
        first = first || field;
      }
    });
    return first;
  }

  function show(index, focus) {
    current = Math.max(0, Math.min(index, steps.length - 1));
    steps.forEach(function (step, i) { step.hidden = i !== current; });
    links.forEach(function (link, i) {
      if (i === current) {
        link.setAttribute("aria-current", "step");
        if (link.scrollIntoView) { link.scrollIntoView({ block: "nearest", inline: "nearest" }); }
      }
      else { link.removeAttribute("aria-current"); }
    });
    var last = current === steps.length - 1;
    prev.hidden = current === 0;
    next.hidden = last;
    save.hidden = !last;
    progress.textContent = "第 " + (current + 1) + " / " + steps.length + " 步：" +
      steps[current].querySelector("legend").textContent.replace(/^\d+\.\s*/, "");
    if (focus) {
      var legend = steps[current].querySelector("legend");
      legend.setAttribute("tabindex", "-1");
      legend.focus();
      window.scrollTo(0, 0);
      var empty = firstEmptyAmount(steps[current]);
      if (empty) { empty.focus(); }
    }
  }

  /* On the income step the keyboard opens on the first empty amount, so the officer
     types the four incomes without tapping each field. */
  function firstEmptyAmount(step) {
    if (step.id !== "step-income") { return null; }
    return Array.prototype.find.call(step.querySelectorAll("input[inputmode=decimal]"),
      function (input) { return input.value.trim() === ""; }) || null;
  }

  function focusField(field) {
    var control = field.querySelector("input:not([type=hidden]), select, textarea");
    if (control) { control.focus(); }
  }

  form.classList.add("stepped");
  form.querySelector("nav.steps").hidden = false;
  progress.hidden = false;

  prev.addEventListener("click", function () { show(current - 1, true); });
  next.addEventListener("click", function () {
    var missing = check(steps[current]);
    if (missing) { focusField(missing); return; }
    show(current + 1, true);
  });
  links.forEach(function (link) {
    link.addEventListener("click", function () { show(parseInt(link.getAttribute("data-go"), 10), true); });
  });
  form.addEventListener("submit", function (event) {
    for (var i = 0; i < steps.length; i++) {
      var missing = check(steps[i]);
      if (missing) {
        event.preventDefault();
        event.stopImmediatePropagation();
        show(i, false);
        focusField(missing);
        return;
      }
    }
    if (!confirmed && ask(incomeQuestions())) {
      /* Nothing else (the outbox) may take the form before the officer answers. */
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });

  /* The keyboard's Enter (下一项 on a phone) goes to the step's next amount, and from the
     last one to the next step, instead of sending the half-filled form. */
  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || input.tagName !== "INPUT" || input.type === "submit") { return; }
    event.preventDefault();
    var inputs = Array.prototype.slice.call(
      steps[current].querySelectorAll("input:not([type=radio]):not([type=hidden])"));
    var after = inputs[inputs.indexOf(input) + 1];
    if (after) { after.focus(); } else if (!next.hidden) { next.click(); }
  });

  /* 同上次: put a step's answers back as the last check had them. The button shows only
     once an answer differs from last time, so nobody taps it for nothing. */
  function valueOf(name) {
    var control = form.elements[name];
    if (control instanceof RadioNodeList) { return control.value; }
    return control.value.trim();
  }

  Array.prototype.forEach.call(form.querySelectorAll("[data-same]"), function (button) {
    var values = JSON.parse(button.getAttribute("data-same"));
    var step = button.closest("fieldset.step");
    var state = button.parentNode.querySelector("[data-same-state]");
    function compare() {
      var same = Object.keys(values).every(function (name) {
        return valueOf(name) === values[name] ||
          parseFloat(valueOf(name)) === parseFloat(values[name]);
      });
      button.hidden = same;
      if (state) { state.textContent = same ? "未改动" : "已改动"; }
    }
    step.addEventListener("change", compare);
    step.addEventListener("input", compare);
    compare();
    button.addEventListener("click", function () {
      Object.keys(values).forEach(function (name) {
        var control = form.elements[name];
        if (control instanceof RadioNodeList) {
          Array.prototype.forEach.call(control, function (radio) {
            radio.checked = radio.value === values[name];
          });
          control = control[0];
        } else {
          control.value = values[name];
        }
        control.dispatchEvent(new Event("change", { bubbles: true }));
        control.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
  });
  /* Clear a field's client error as soon as it is answered. */
  form.addEventListener("change", function (event) {
    var field = event.target.closest("[data-required]");
    if (field && answered(field)) { clientError(field, ""); }
  });

  /* Income: the household's total and per-capita figure as the officer types. */
  var total = document.getElementById("income-total");
  var members = parseInt(form.getAttribute("data-members"), 10) || 1;
  var incomes = ["income_wages", "income_business", "income_property", "income_transfers"]
    .map(function (name) { return form.elements[name]; });
  function showTotal() {
    var sum = 0, any = false;
    incomes.forEach(function (input) {
      var value = parseFloat(input.value);
      if (!isNaN(value)) { sum += value; any = true; }
    });
    total.hidden = !any;
    total.textContent = "合计 " + sum.toFixed(2) + " 元，人均 " + (sum / members).toFixed(2) +
      " 元（" + members + " 人）";
  }
  incomes.forEach(function (input) { input.addEventListener("input", showTotal); });
  showTotal();

  /* Before saving, a question (never a refusal) when the per-capita income moved by 30 %
     or more from the last check's, or a source is about ten times or a tenth of what it
     was: a slipped digit would otherwise raise alerts with nobody asked. */
  var lastPerCapita = parseFloat(form.getAttribute("data-last-per-capita"));
  var changeAsked = parseFloat(form.getAttribute("data-change-asked")) || 0.3;
  var slipped = (form.getAttribute("data-slipped-digit") || "9,11").split(",").map(parseFloat);
  var confirmed = false;
  var question = document.getElementById("income-question");

  function label(input) {
    return form.querySelector("label[for='" + input.id + "']").textContent
      .replace(/（元）.*$/, "").trim();
  }

  function incomeQuestions() {
    var found = [], sum = 0;
    incomes.forEach(function (input) {
      var value = parseFloat(input.value), last = parseFloat(input.getAttribute("data-last"));
      sum += isNaN(value) ? 0 : value;
      if (!(value > 0 && last > 0)) { return; }
      var ratio = value / last;
      if (ratio >= slipped[0] && ratio <= slipped[1]) {
        found.push({ input: input, text: label(input) + " " + input.value + " 元，约是上次 " +
          input.getAttribute("data-last") + " 元的 10 倍：是否多输了一位？" });
      } else if (ratio >= 1 / slipped[1] && ratio <= 1 / slipped[0]) {
        found.push({ input: input, text: label(input) + " " + input.value + " 元，约是上次 " +
          input.getAttribute("data-last") + " 元的十分之一：是否少输了一位？" });
      }
    });
    var perCapita = sum / members;
    if (lastPerCapita > 0 && Math.abs(perCapita - lastPerCapita) / lastPerCapita >= changeAsked) {
      var change = Math.round(Math.abs(perCapita - lastPerCapita) / lastPerCapita * 100);
      found.push({ input: incomes[0], text: "人均纯收入 " + perCapita.toFixed(2) + " 元，比上次 " +
        lastPerCapita.toFixed(2) + " 元" + (perCapita > lastPerCapita ? "高" : "低") + " " +
        change + "%：请与农户核实。" });
    }
    return found;
  }

  function ask(found) {
    if (!found.length || !question) { return false; }
    var list = question.querySelector("ul");
    list.textContent = "";
    found.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.text;
      list.appendChild(li);
    });
    question.hidden = false;
    question.first = found[0].input;
    question.querySelector("[data-ask-save]").focus();
    return true;
  }

  if (question) {
    question.querySelector("[data-ask-back]").addEventListener("click", function () {
      question.hidden = true;
      show(steps.indexOf(document.getElementById("step-income")), false);
      question.first.focus();
    });
    question.querySelector("[data-ask-save]").addEventListener("click", function () {
      question.hidden = true;
      confirmed = true;
      if (form.requestSubmit) { form.requestSubmit(save); } else { form.submit(); }
    });
    incomes.forEach(function (input) {
      input.addEventListener("input", function () { confirmed = false; });
    });
  }

  /* After a refused save, open the first step with an error; otherwise the first step. */
  var withError = steps.findIndex(function (step) { return step.querySelector(".has-error"); });
  show(withError < 0 ? 0 : withError, false);
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var target = event.target.closest("a[href^='#']");
      if (!target) { return; }
      var el = document.getElementById(target.getAttribute("href").slice(1));
      var step = el && el.closest("fieldset.step");
      if (step) { show(steps.indexOf(step), false); }
    });
  }
}());
