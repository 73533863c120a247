/* The member forms on a phone (templates/households/member_form.html): the ID number is
   checked as it is typed (static/js/idnumber.js, the same rules and words as the server),
   and the form is sent to the API as JSON through the outbox when the page has one
   (window.shouwangOutbox, static/js/outbox.js), so a change made without signal waits on
   the phone and is sent once; else by a plain fetch with an Idempotency-Key kept for the
   page, so a double tap or a resend is applied once. Without script the form posts to
   its page, which saves through the same service. */
(function () {
  "use strict";
  var form = document.getElementById("member-form");
  if (!form || !window.JSON || !window.fetch) { return; }
  var ids = window.shouwangIdNumber;
  var summary = document.getElementById("error-summary");
  var sent = document.getElementById("member-sent");
  var save = form.querySelector("button[type=submit]");

  function fieldOf(name) {
    var control = form.elements[name];
    if (!control) { return null; }
    var first = control.length && !control.tagName ? control[0] : control;
    return first.closest(".field");
  }

  /* A message under a field ("" clears it). */
  function say(name, message) {
    var field = fieldOf(name);
    if (!field) { return false; }
    var note = field.querySelector(".error.client");
    if (!message) {
      if (note) { note.remove(); }
      field.classList.toggle("has-error", !!field.querySelector(".error"));
      return true;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "error client";
      note.setAttribute("role", "alert");
      field.appendChild(note);
    }
    note.textContent = message;
    field.classList.add("has-error");
    return true;
  }

  function showSummary(messages) {
    var list = summary.querySelector("ul");
    list.textContent = "";
    messages.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      list.appendChild(li);
    });
    summary.hidden = !messages.length;
    if (messages.length) { summary.focus(); }
  }

  /* ── The ID number, as it is typed ── */
  var idInput = form.querySelector("[data-id-number]");
  var idFacts = null;
  function checkId(final) {
    if (!idInput || !ids) { return true; }
    var value = idInput.value.trim();
    if (!idFacts) {
      idFacts = document.createElement("p");
      idFacts.className = "last";
      idFacts.setAttribute("aria-live", "polite");
      idInput.insertAdjacentElement("afterend", idFacts);
    }
    var result = ids.check(value);
    idFacts.textContent = result.ok ? "出生日期 " + result.birthDate + " · " + result.sex : "";
    if (result.ok) { answerByAge(result.birthDate); }
    if (result.ok || (!final && value.length < 18)) {  /* not yet all typed: no error yet */
      say(idInput.name, "");
      return result.ok;
    }
    say(idInput.name, value ? result.message : "请填写身份证号");
    return false;
  }
  /* A member's schooling and labour follow from their age until the officer picks them:
     a child of compulsory-school age 在校, a younger one 学前, an adult 非在校 and
     普通劳动力 (a newborn needs no tap, a bride marrying in none either). */
  var touched = {};
  form.addEventListener("change", function (event) {
    if (event.target.name) { touched[event.target.name] = true; }
  });
  function answer(name, value) {
    var control = form.elements[name];
    if (control && control.tagName === "SELECT" && !touched[name]) { control.value = value; }
  }
  function answerByAge(birthDate) {
    var ages = (form.getAttribute("data-school-ages") || "6,15").split(",").map(Number);
    var now = new Date(), born = birthDate.split("-").map(Number);
    var age = now.getFullYear() - born[0] -
      ((now.getMonth() + 1 < born[1] || (now.getMonth() + 1 === born[1] && now.getDate() < born[2])) ? 1 : 0);
    if (age < ages[0]) {
      answer("schooling", "学前"); answer("labour", "无劳动力");
    } else if (age <= ages[1]) {
      answer("schooling", "在校"); answer("labour", "无劳动力");
    } else if (age >= 18) {
      answer("schooling", "非在校"); answer("labour", "普通劳动力");
    }
  }

  if (idInput) {
    idInput.addEventListener("input", function () { checkId(false); });
    idInput.addEventListener("blur", function () { checkId(true); });
  }

  /* ── The form as the API's body ── */
  function body() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (control) {
      if (!control.name || control.name === "csrfmiddlewaretoken") { return; }
      if (control.type === "radio" && !control.checked) { return; }
      data[control.name] = control.value;
    });
    if ("insured" in data) { data.insured = data.insured === "1"; }
    if ("id_number" in data) { data.id_number = data.id_number.trim().toUpperCase(); }
    if (form.getAttribute("data-api").slice(-9) === "/members/") {
      data.household = parseInt(form.getAttribute("data-household-id"), 10);
    }
    return data;
  }

  function key() {
    var kept = form.getAttribute("data-key");
    if (!kept) {
      kept = "member-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
      form.setAttribute("data-key", kept);
    }
    return kept;
  }

  function messagesOf(errors) {
    var loose = [];
    Object.keys(errors || {}).forEach(function (name) {
      var list = [].concat(errors[name]);
      if (!say(name, list.join("；"))) { loose = loose.concat(list); }
    });
    return loose;
  }

  /* Without the outbox: one fetch, answered as the outbox answers. */
  function fetchOnce(spec) {
    var token = form.elements.csrfmiddlewaretoken.value;
    return fetch(spec.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": token, "Idempotency-Key": spec.id },
      body: JSON.stringify(spec.body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) { return { state: "sent", data: data }; }
        if (response.status === 401 || (response.status === 403 && !data.detail)) {
          return { state: "refused", reason: "登录已过期，请重新登录后再保存" };
        }
        return { state: "refused", reason: data.detail || "", errors: data };
      });
    }, function () {
      return { state: "refused", reason: "没有信号，未能保存：请有信号时再点“保存”，已填的内容还在" };
    });
  }

  function submit(spec) {
    var outbox = window.shouwangOutbox;
    return outbox && outbox.submit ? outbox.submit(spec) : fetchOnce(spec);
  }

  /* Opened from 待发送 to fix a refused change: its values back in the form, the server's
     reason above it, and the same key, so the corrected change replaces the refused one. */
  function restore(values) {
    Object.keys(values).forEach(function (name) {
      var value = values[name];
      if (typeof value === "boolean") { value = value ? "1" : "0"; }
      Array.prototype.forEach.call(form.querySelectorAll("[name='" + name + "']"), function (control) {
        if (control.type === "radio" || control.type === "checkbox") {
          control.checked = control.value === String(value);
        } else {
          control.value = value;
        }
      });
    });
  }

  var wanted = /#outbox=([^&]+)/.exec(window.location.hash);
  if (wanted && window.shouwangStore) {
    window.shouwangStore.get("outbox", decodeURIComponent(wanted[1])).then(function (item) {
      if (!item || !item.body) { return; }
      form.setAttribute("data-key", item.id);
      restore(item.body);
      showSummary([item.reason || "这条变动被服务器退回，请按原因修改后重新保存"]);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    event.stopImmediatePropagation();
    if (!checkId(true)) { idInput.focus(); return; }
    save.disabled = true;
    var spec = { id: key(), url: form.getAttribute("data-api"), method: "POST", body: body(),
                 label: form.getAttribute("data-label"),
                 household: form.getAttribute("data-household"),
                 edit: window.location.pathname };  /* where a refused change is fixed */
    submit(spec).then(function (result) {
      save.disabled = false;
      if (result.state === "sent") {
        window.location.assign(form.getAttribute("data-done"));
      } else if (result.state === "waiting") {
        form.hidden = true;
        showSummary([]);
        sent.textContent = "没有信号：已存入本机“待发送”，有信号时自动发送。";
        sent.hidden = false;
      } else {
        var errors = result.errors || {};
        delete errors.detail;
        var loose = messagesOf(errors);
        showSummary((result.reason ? [result.reason] : []).concat(loose));
      }
    });
  });
}());
