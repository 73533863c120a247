/* Sending what waits in the outbox, for the pages and the service worker alike
   (docs/offline.md). One item is one write to the API, sent with its own Idempotency-Key,
   so a resend after a lost answer is applied once by the server (monitor/api.py).

   An item's state after a try:
     sent     the server applied it (2xx): the item leaves the outbox
     waiting  no signal, a server error, or the login expired: tried again later
     refused  the server said no (400, 403 for the role, 404, 409): kept with the server's
              reason until the officer fixes or discards it, never dropped in silence */
(function (root) {
  "use strict";
  var store = root.shouwangStore;
  var TOKEN_URL = "/households/offline/token/";
  var sending = null;

  function messages(value, labels, prefix) {
    if (typeof value === "string") { return [prefix ? prefix + "：" + value : value]; }
    if (Array.isArray(value)) {
      return value.reduce(function (all, v, i) {
        var name = value.length > 1 && typeof v === "object" && v !== null && !Array.isArray(v)
          ? (labels["#" + i] || "第 " + (i + 1) + " 项") : prefix;
        return all.concat(messages(v, labels, name));
      }, []);
    }
    if (value && typeof value === "object") {
      return Object.keys(value).reduce(function (all, key) {
        var label = key === "detail" || key === "non_field_errors" ? prefix : (labels[key] || key);
        return all.concat(messages(value[key], labels, label));
      }, []);
    }
    return [];
  }

  /* The server's refusal as lines of Chinese, each field named by the form's label. */
  function reasonOf(status, body, labels) {
    if (status === 404) { return ["未找到该农户，或它已不在您负责的村（已迁出或调整）"]; }
    var lines = messages(body || {}, labels || {}, "");
    return lines.length ? lines : ["服务器拒绝了这条记录（" + status + "）"];
  }

  /* Whose login holds now, with a fresh CSRF token (it changes at login); null when the
     login has expired. A network failure rejects. */
  function token() {
    return fetch(TOKEN_URL, { credentials: "same-origin", cache: "no-store",
                              headers: { Accept: "application/json" } }).then(function (r) {
      if (r.status === 401 || r.status === 403) { return null; }
      if (!r.ok) { throw new Error("token " + r.status); }
      return r.json();
    });
  }

  /* Note how a try ended on the stored item; if it is gone, someone else sent it. */
  function mark(item, state, extra) {
    function change(stored) {
      stored.state = state;
      stored.tried = Date.now();
      Object.keys(extra || {}).forEach(function (k) { stored[k] = extra[k]; });
      return stored;
    }
    change(item);
    return store.update("outbox", item.id, change).then(function (stored) {
      return stored ? { item: item, state: state } : { item: item, state: "sent", data: {} };
    });
  }

  /* One try of one item with this token. */
  function sendOne(item, pass) {
    return fetch(item.url, {
      method: item.method || "POST", credentials: "same-origin", cache: "no-store",
      redirect: "manual",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRFToken": pass.csrf, "Idempotency-Key": item.id },
      body: JSON.stringify(item.body)
    }).then(function (r) {
      if (r.ok) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          return store.remove("outbox", item.id).then(function () {
            return { item: item, state: "sent", data: data };
          });
        });
      }
      if (r.type === "opaqueredirect" || r.status === 401) {
        return mark(item, "waiting", { why: "login" });
      }
      if (r.status === 429 || r.status >= 500) {
        return mark(item, "waiting", { why: "server" });
      }
      return r.json().catch(function () { return null; }).then(function (body) {
        if (r.status === 403 && body && /CSRF/i.test(body.detail || "")) {
          return mark(item, "waiting", { why: "login" });
        }
        return mark(item, "refused", { reason: reasonOf(r.status, body, item.labels),
                                       errors: body, status: r.status });
      });
    }, function () {
      return mark(item, "waiting", { why: "offline" });
    });
  }

  /* Send these items one after the other, as the logged-in officer; another officer's
     items on a shared phone wait for them. Stops at the first lost connection. */
  function sendAll(items) {
    var results = [];
    return token().then(function (pass) {
      if (!pass) {
        return Promise.all(items.map(function (item) {
          return mark(item, "waiting", { why: "login" });
        }));
      }
      var mine = items.filter(function (item) { return String(item.user) === String(pass.user); });
      return mine.reduce(function (chain, item) {
        return chain.then(function (stop) {
          if (stop) { results.push({ item: item, state: "waiting" }); return stop; }
          return sendOne(item, pass).then(function (result) {
            results.push(result);
            return result.state === "waiting" && item.why === "offline";
          });
        });
      }, Promise.resolve(false)).then(function () { return results; });
    }, function () {
      return Promise.all(items.map(function (item) {
        return mark(item, "waiting", { why: "offline" });
      }));
    });
  }

  function summary(results) {
    return store.all("outbox").then(function (left) {
      return {
        results: results,
        waiting: left.filter(function (i) { return i.state !== "refused"; }).length,
        refused: left.filter(function (i) { return i.state === "refused"; }).length,
        login: left.some(function (i) { return i.state === "waiting" && i.why === "login"; })
      };
    });
  }

  /* Send everything that waits (not what was refused: that waits for the officer). One
     flush at a time in this page or worker; the Idempotency-Key covers the page and the
     worker sending at once. */
  /* One sender at a time across the pages and the worker, where the browser has Web
     Locks (Chrome 69+); elsewhere the Idempotency-Key alone keeps a double send harmless. */
  function alone(work) {
    var locks = root.navigator && root.navigator.locks;
    return locks ? locks.request("shouwang-outbox", work) : work();
  }

  function flush() {
    if (sending) { return sending; }
    sending = alone(function () {
      return store.all("outbox").then(function (items) {
        var waiting = items.filter(function (i) { return i.state !== "refused"; });
        return waiting.length ? sendAll(waiting) : [];
      });
    }).then(summary).then(function (result) {
      sending = null;
      return result;
    }, function (error) {
      sending = null;
      throw error;
    });
    return sending;
  }

  /* Send one item now (it is already in the outbox). */
  function send(item) {
    return alone(function () {
      return store.get("outbox", item.id).then(function (stored) {
        if (!stored) { return [{ item: item, state: "sent", data: {} }]; } // sent meanwhile
        return sendAll([stored]);
      });
    }).then(function (results) {
      return results[0] || { item: item, state: "waiting" };
    });
  }

  root.shouwangSend = { flush: flush, send: send, reasonOf: reasonOf };
}(self));
