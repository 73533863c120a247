/* On every page (docs/offline.md): the outbox's API for forms, the 待发送 count in the
   header, sending when the connection returns, the service worker, the officer's pages
   downloaded for work without signal, the phone menu and the wipe at logout.

   Forms save through one path, online or not:
     window.shouwangOutbox.submit({url, method, body, label, household, edit, form, labels})
   → Promise of {state: "sent", data} | {state: "waiting", why} | {state: "refused", reason}.
   The item keeps its Idempotency-Key (spec.id, else a new one) for every resend. */
(function () {
  "use strict";
  var body = document.body;
  var store = window.shouwangStore;
  var send = window.shouwangSend;
  var user = body.getAttribute("data-user");
  var DOWNLOAD_EVERY_MS = 6 * 3600 * 1000;

  function el(id) { return document.getElementById(id); }

  /* ── The phone menu: folded on a phone, open on a wide screen ── */
  var menu = el("menu");
  if (menu && window.matchMedia && window.matchMedia("(min-width: 900px)").matches) {
    menu.open = true;
  }

  if (!store || !send || !window.indexedDB) { return; } // an old browser: plain forms

  function uuid() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* ── The header: no signal, 待发送 count, a note when the login expired ── */
  function note(html) {
    var box = el("outbox-note");
    if (!box) { return; }
    box.innerHTML = html || "";
    box.hidden = !html;
  }

  function loginLink() {
    return body.getAttribute("data-login") + "?expired=1&next=" + encodeURIComponent(location.pathname);
  }

  function showCount(s) {
    var badge = el("outbox-badge");
    if (!badge) { return; }
    el("outbox-count").textContent = String(s.waiting);
    el("outbox-waiting").hidden = !s.waiting;
    var refused = el("outbox-refused");
    refused.hidden = !s.refused;
    refused.textContent = s.refused ? "退回 " + s.refused : "";
    badge.hidden = s.waiting + s.refused === 0;
    badge.classList.toggle("has-refused", s.refused > 0);
    if (s.login && s.waiting) {
      note("登录已过期：" + s.waiting + " 条记录保存在本机，没有丢失。" +
           '<a href="' + loginLink() + '">重新登录</a>后自动发送。');
    } else if (s.refused && location.hash.indexOf("#outbox=") < 0) { // not on the form fixing it
      note(s.refused + " 条记录被服务器退回，请到" + '<a href="' + body.getAttribute("data-outbox") +
           '">待发送</a>查看原因并修改或放弃。');
    } else {
      note("");
    }
  }

  function counts() {
    return store.all("outbox").then(function (items) {
      return {
        waiting: items.filter(function (i) { return i.state !== "refused"; }).length,
        refused: items.filter(function (i) { return i.state === "refused"; }).length,
        login: items.some(function (i) { return i.state === "waiting" && i.why === "login"; })
      };
    });
  }

  function refresh() {
    return counts().then(showCount);
  }

  function signal() {
    var off = el("net-off");
    if (off) { off.hidden = navigator.onLine !== false; }
  }

  /* ── Sending ── */
  function syncLater() {
    if (navigator.serviceWorker && window.SyncManager) {
      navigator.serviceWorker.ready.then(function (reg) {
        return reg.sync.register("outbox");
      }).catch(function () { return null; });
    }
  }

  function flush() {
    return send.flush().then(function (s) {
      showCount(s);
      if (s.waiting) { syncLater(); }
      document.dispatchEvent(new CustomEvent("outbox:changed", { detail: s }));
      return s;
    }).catch(function () { return refresh(); });
  }

  function submit(spec) {
    var item = {
      id: spec.id || uuid(), user: user, url: spec.url, method: spec.method || "POST",
      body: spec.body, label: spec.label || "", household: spec.household || "",
      edit: spec.edit || "", form: spec.form || null, labels: spec.labels || {},
      created: spec.created || Date.now(), state: "waiting", why: ""
    };
    return store.put("outbox", item).then(function () {
      return send.send(item);
    }).then(function (result) {
      if (result.state === "waiting") { syncLater(); }
      refresh();
      document.dispatchEvent(new CustomEvent("outbox:changed", { detail: result }));
      return { state: result.state, why: result.item.why, reason: result.item.reason,
               errors: result.item.errors, data: result.data, id: item.id };
    });
  }

  function discard(id) {
    return store.remove("outbox", id).then(refresh);
  }

  window.shouwangOutbox = { submit: submit, flush: flush, discard: discard, counts: counts,
                            uuid: uuid, user: user };

  /* ── The service worker, and the officer's pages kept for work without signal ── */
  function download(reg, force) {
    // Asked by 我的农户 (the page with #offline-status), or by its 更新离线资料 button.
    if (body.getAttribute("data-offline") !== "1" || navigator.onLine === false || !el("offline-status")) {
      return Promise.resolve();
    }
    return store.get("meta", "download").then(function (last) {
      if (!force && last && Date.now() - last.at < DOWNLOAD_EVERY_MS) { return; }
      var worker = reg.active || navigator.serviceWorker.controller;
      if (worker) { worker.postMessage({ download: body.getAttribute("data-pages") }); }
      document.dispatchEvent(new CustomEvent("offline:downloading"));
    });
  }

  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.outbox) {
        showCount(data.outbox);
        document.dispatchEvent(new CustomEvent("outbox:changed", { detail: data.outbox }));
      }
      document.dispatchEvent(new CustomEvent("offline:message", { detail: data }));
    });
    navigator.serviceWorker.register(body.getAttribute("data-sw"), { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      window.shouwangOutbox.download = function () { return download(reg, true); };
      return download(reg, false);
    }).catch(function () { return null; });
  }

  /* ── Who uses this phone: another officer's login drops the last one's kept pages ── */
  function whoIsHere() {
    if (!user) { return Promise.resolve(); }
    return store.get("meta", "user").then(function (last) {
      if (last && String(last) !== user) {
        return Promise.all([
          store.remove("meta", "download"),
          store.all("drafts").then(function (drafts) {
            return Promise.all(drafts.filter(function (d) { return String(d.user) !== user; })
              .map(function (d) { return store.remove("drafts", d.key); }));
          }),
          window.caches ? caches.delete("pages") : null
        ]);
      }
      return null;
    }).then(function () { return store.put("meta", user, "user"); });
  }

  /* ── Logging out wipes the phone, after a warning if something still waits ── */
  var logout = el("logout-form");
  if (logout) {
    logout.addEventListener("submit", function (event) {
      event.preventDefault();
      Promise.all([counts(), store.all("drafts")]).then(function (found) {
        var left = found[0].waiting + found[0].refused, drafts = found[1].length;
        var what = [];
        if (left) { what.push(left + " 条没有发送成功的记录"); }
        if (drafts) { what.push(drafts + " 份未填完的草稿"); }
        if (what.length && !window.confirm("本机还有" + what.join("和") + "。退出会把它们从本机删除，" +
                                           "删除后无法找回。确定退出吗？\n（有信号时先等记录发送、草稿填完，再退出）")) {
          return false;
        }
        return wipe().then(function () { return true; });
      }).then(function (go) { if (go) { logout.submit(); } });
    });
  }

  function wipe() {
    var jobs = [store.wipe()];
    if (window.caches) { jobs.push(caches.delete("pages")); }
    return Promise.all(jobs).catch(function () { return null; });
  }

  /* ── The login page: say when a login expired, and that nothing was lost ── */
  var expired = el("login-expired");
  if (expired) {
    Promise.all([store.get("meta", "user"), counts(), store.all("drafts")]).then(function (r) {
      var left = r[1].waiting + r[1].refused;
      if (r[0] || left || /[?&]expired=1/.test(location.search)) {
        expired.hidden = false;
        var kept = [];
        if (left) { kept.push(" " + left + " 条待发送的记录"); }
        if (r[2].length) { kept.push(" " + r[2].length + " 份未填完的草稿"); }
        el("login-kept").textContent = kept.length ? "本机保存着" + kept.join("和") +
          "，没有丢失：登录后待发送的会自动发送，草稿在再次打开表单时恢复。" : "";
      }
    });
  }

  /* ── 我的农户: what is kept on this phone, and when ── */
  var status = el("offline-status");
  function when(ms) {
    var d = new Date(ms);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return (d.getMonth() + 1) + "月" + d.getDate() + "日 " + two(d.getHours()) + ":" + two(d.getMinutes());
  }
  function showKept(kept) {
    if (!status || !kept) { return; }
    status.innerHTML = "";
    status.appendChild(document.createTextNode("已保存到本机：" + kept.households + " 户的户档案和排查表，更新于 " +
      when(kept.at) + "。没有信号也能打开。"));
    var again = document.createElement("button");
    again.type = "button";
    again.className = "secondary";
    again.textContent = "更新离线资料";
    again.addEventListener("click", function () {
      if (window.shouwangOutbox.download) { window.shouwangOutbox.download(); }
    });
    status.appendChild(again);
  }
  if (status) {
    store.get("meta", "download").then(showKept);
    document.addEventListener("offline:downloading", function () {
      status.textContent = "正在把本村农户保存到本机，请稍候……";
    });
    document.addEventListener("offline:message", function (event) {
      var data = event.detail;
      if (data.downloading) {
        status.textContent = "正在把本村农户保存到本机：" + data.downloading.done + " / " + data.downloading.of + " 页……";
      } else if (data.downloaded) {
        showKept(data.downloaded);
      } else if (data.downloadFailed) {
        status.textContent = "离线资料没有保存完（信号中断），有信号时再打开本页会继续。";
      }
    });
  }

  window.addEventListener("online", function () { signal(); flush(); });
  window.addEventListener("offline", signal);
  signal();
  whoIsHere().then(refresh).then(function () { if (user && navigator.onLine !== false) { flush(); } });
}());
