/* The check form on the phone (docs/offline.md): a draft kept on every change and offered
   back when the form opens again; saving through the outbox as the API's JSON (POST
   /api/checks/, visits/api.py CheckInput), online or not. Without IndexedDB the form
   posts as before. Runs after check-form.js, whose submit handler refuses a form with
   unanswered steps first (then this one leaves it alone). */
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  var outbox = window.shouwangOutbox;
  var store = window.shouwangStore;
  if (!form || !outbox || !store) { return; }
  var household = form.getAttribute("data-household");
  var key = outbox.user + ":" + household;
  var memberIds = JSON.parse(document.getElementById("member-ids").textContent);
  var editing = null; // the outbox item being fixed, if the form was opened for that
  var BOOLEANS = ["food_secure", "clothing_secure", "water_quantity", "water_quality",
                  "water_convenience", "water_reliability", "insured"];
  var MONEY = ["income_wages", "income_business", "income_property", "income_transfers",
               "medical_spending", "education_spending", "sudden_loss"];

  function today() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  }

  /* A page kept on the phone days ago still proposes the day it was fetched. */
  var visitDate = form.elements.visit_date;
  if (visitDate && visitDate.value === form.getAttribute("data-served-on") && visitDate.value !== today()) {
    visitDate.value = today();
  }

  // ── The form's values, as name → value ──
  function values() {
    var found = {};
    Array.prototype.forEach.call(form.elements, function (c) {
      if (!c.name || c.name === "csrfmiddlewaretoken" || c.type === "submit" || c.type === "button") { return; }
      if (c.type === "radio" || c.type === "checkbox") {
        if (c.checked) { found[c.name] = c.value; }
      } else {
        found[c.name] = c.value;
      }
    });
    return found;
  }

  function fill(saved) {
    Array.prototype.forEach.call(form.elements, function (c) {
      if (!c.name || !(c.name in saved)) { return; }
      if (c.type === "radio" || c.type === "checkbox") {
        c.checked = saved[c.name] === c.value;
      } else {
        c.value = saved[c.name];
      }
    });
    ["input", "change"].forEach(function (type) {
      Array.prototype.forEach.call(form.querySelectorAll("input, select, textarea"), function (c) {
        c.dispatchEvent(new Event(type, { bubbles: true }));
      });
    });
  }

  // ── The draft: kept at once on every change (a phone may die the next second) ──
  var saved = false; // once saved through the outbox, the draft is gone: keep no other
  function keepDraft() {
    if (saved) { return; }
    store.put("drafts", { key: key, user: outbox.user, household: household,
                          at: Date.now(), values: values(), editing: editing && editing.id }, key);
  }
  var restoring = false;
  function changed() { if (!restoring) { keepDraft(); } }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  function when(ms) {
    var d = new Date(ms);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return (d.getMonth() + 1) + "月" + d.getDate() + "日 " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function banner(html, className) {
    var box = document.createElement("div");
    box.className = "draft-banner " + (className || "");
    box.setAttribute("role", "status");
    box.innerHTML = html;
    form.parentNode.insertBefore(box, form);
    return box;
  }

  function restore(saved) {
    restoring = true;
    fill(saved);
    restoring = false;
  }

  function offerDraft(draft) {
    var box = banner("<p>本机有一份 " + when(draft.at) + " 没填完的排查草稿。</p>" +
      '<p><button type="button" data-restore>恢复草稿</button> ' +
      '<button type="button" class="secondary" data-drop>不用，重新填</button></p>');
    box.querySelector("[data-restore]").addEventListener("click", function () {
      restore(draft.values);
      box.remove();
    });
    box.querySelector("[data-drop]").addEventListener("click", function () {
      store.remove("drafts", key);
      box.remove();
    });
  }

  function showRefusal(reasons, title) {
    var old = document.getElementById("outbox-refusal");
    if (old) { old.remove(); }
    var box = banner("", "error-summary");
    box.id = "outbox-refusal";
    box.setAttribute("role", "alert");
    box.setAttribute("tabindex", "-1");
    var h = document.createElement("h2");
    h.textContent = title;
    var ul = document.createElement("ul");
    (reasons || []).forEach(function (r) {
      var li = document.createElement("li");
      li.textContent = r;
      ul.appendChild(li);
    });
    box.appendChild(h);
    box.appendChild(ul);
    box.focus();
    window.scrollTo(0, 0);
  }

  /* Opened from 待发送 to fix a refused check: its answers and the server's reason. */
  var wanted = /#outbox=([^&]+)/.exec(location.hash);
  (wanted ? store.get("outbox", decodeURIComponent(wanted[1])) : Promise.resolve(null)).then(function (item) {
    if (item && item.form) {
      editing = item;
      restore(item.form);
      showRefusal(item.reason, "这条排查被服务器退回，请按原因修改后重新保存");
      return;
    }
    return store.get("drafts", key).then(function (draft) {
      if (draft && draft.values) { offerDraft(draft); }
    });
  });

  // ── Saving: the form as the API's JSON, through the outbox ──
  function labels() {
    var found = { members: "成员", household: "农户" };
    Array.prototype.forEach.call(form.querySelectorAll("label[for], fieldset.field > legend"), function (l) {
      var field = l.tagName === "LEGEND" ? l.parentNode.id.replace(/^id_/, "") : l.getAttribute("for").replace(/^id_/, "");
      if (field && !(field in found)) { found[field] = l.textContent.replace(/（.*?）|\s+/g, "").trim(); }
    });
    Object.keys(memberIds).forEach(function (prefix, i) {
      var legend = form.querySelector("#id_" + prefix + "-insured");
      var member = legend && legend.closest("fieldset.member");
      found["#" + i] = member ? member.querySelector("legend").firstChild.textContent.trim() : "第 " + (i + 1) + " 名成员";
    });
    return found;
  }

  function answer(name, value) {
    if (value === undefined || value === "") { return undefined; }
    if (BOOLEANS.indexOf(name) >= 0) { return value === "1"; }
    if (MONEY.indexOf(name) >= 0) { return value.replace(/[,，\s]/g, ""); }
    return value;
  }

  function body(v) {
    var check = { household: parseInt(form.getAttribute("data-household-id"), 10), members: [] };
    Object.keys(v).forEach(function (name) {
      if (name.indexOf("-") < 0) {
        var value = answer(name, v[name]);
        if (value !== undefined) { check[name] = value; }
      }
    });
    Object.keys(memberIds).forEach(function (prefix) {
      var member = { id_number: memberIds[prefix] };
      ["schooling", "insured", "health", "labour", "work"].forEach(function (field) {
        var value = answer(field, v[prefix + "-" + field]);
        if (value !== undefined) { member[field] = value; }
      });
      check.members.push(member);
    });
    return check;
  }

  /* The server records one visit per household, date and kind: a second one waiting on
     this phone would only come back refused, so say so now, without signal too. */
  function twiceOnPhone(v) {
    return store.all("outbox").then(function (items) {
      return items.some(function (i) {
        return i.household === household && i.body && i.body.visit_date === v.visit_date &&
          i.body.kind === v.kind && (!editing || i.id !== editing.id);
      });
    });
  }

  var saving = false;
  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }
    event.preventDefault();
    if (saving) { return; }
    saving = true;
    var v = values();
    var label = form.getAttribute("data-label") + " · " + (v.kind || "排查") + " · " + (v.visit_date || "");
    twiceOnPhone(v).then(function (twice) {
      if (!twice) { return send(v, label); }
      saving = false;
      showRefusal(["本机已有一条该户 " + v.visit_date + " 的“" + v.kind + "”在待发送中；同一户同一天同一类型只记录一次，" +
                   "请另选排查类型或日期，或到待发送查看那一条。"], "没有保存");
    });
  });

  function send(v, label) {
    return outbox.submit({
      id: editing ? editing.id : undefined, created: editing ? editing.created : undefined,
      url: form.getAttribute("data-api"), method: "POST", body: body(v), label: label,
      household: household, edit: location.pathname, form: v, labels: labels()
    }).then(function (result) {
      saving = false;
      if (result.state === "refused") {
        editing = { id: result.id, created: editing ? editing.created : Date.now() };
        showRefusal(result.reason, "服务器退回了这条排查，请修改后重新保存");
        return store.remove("drafts", key);
      }
      saved = true;
      return store.remove("drafts", key).then(function () {
        if (result.state === "sent") { // its page, or the household's if another tab sent it
          location.href = location.pathname.replace(/checks\/new\/$/, result.data && result.data.id
            ? "checks/" + result.data.id + "/" : "");
        } else {
          location.href = document.body.getAttribute("data-outbox") + "#saved";
        }
      });
    }, function () {
      saving = false;
      showRefusal(["本机无法保存这条记录（浏览器存储不可用），请检查手机存储空间后重试。"], "没有保存");
    });
  }
}());
