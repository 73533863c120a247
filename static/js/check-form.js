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
    }
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
        show(i, false);
        focusField(missing);
        return;
      }
    }
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
