/* 守望's service worker (docs/offline.md), served by visits/offline.py at /sw.js so its
   scope is every page. Hand-written and small: two caches and four rules.

   - "shell-<version>": the static files, kept at install; a new release has a new version
     and the old cache is dropped at activation. Static files come from it first.
   - "pages": the officer's pages, only those the server marks with X-Shouwang-Offline
     (visits/offline.py: a village officer's own villages). A page comes from the network
     when there is one (and its copy is renewed), from the phone when there is not; a page
     never kept shows the shell's "no signal" page. Logging out empties it.
   - POSTs, the API and everything else pass through untouched: what is sent waits in the
     outbox (IndexedDB), never here, and Background Sync sends it. */
"use strict";
var VERSION = "{{ version }}";
var SHELL = "shell-" + VERSION;
var PAGES = "pages";
var SHELL_URLS = {{ shell|safe }};
var FALLBACK = SHELL_URLS[SHELL_URLS.length - 1];
var KEEP = "X-Shouwang-Offline";
var SLOW_NETWORK_MS = 6000; // one bar of signal: after this, the kept copy answers

// The phone's store and the sender, shared with the pages (served, hashed names).
importScripts.apply(self, {{ imports|safe }});

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(SHELL_URLS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("shell-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function fromShell(request) {
  return caches.match(request, { cacheName: SHELL }).then(function (hit) {
    return hit || fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

function keep(request, response) {
  if (response.ok && !response.redirected && response.headers.get(KEEP) === "keep") {
    var copy = response.clone();
    return caches.open(PAGES).then(function (cache) { return cache.put(request.url, copy); });
  }
  return Promise.resolve();
}

function kept(request) { // caches.match opens no cache: after a logout none is made again
  return caches.match(request.url, { cacheName: PAGES, ignoreVary: true });
}

function fallback() {
  return caches.match(FALLBACK, { cacheName: SHELL }).then(function (hit) {
    return hit || new Response("<meta charset=utf-8><p>没有信号，此页面没有保存在本机。</p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

/* A page: the network's answer (kept, if the server says so); without one, or when it
   is slower than SLOW_NETWORK_MS and a kept copy exists, the kept copy. */
function page(event) {
  var request = event.request;
  var storing = [];
  var network = fetch(request).then(function (response) {
    storing.push(keep(request, response)); // keep() copies the body before the page reads it
    return response;
  });
  event.waitUntil(network.then(function () { return Promise.all(storing); },
                               function () { return null; }));
  return kept(request).then(function (copy) {
    if (!copy) {
      return network.catch(fallback);
    }
    var slow = new Promise(function (resolve) {
      setTimeout(function () { resolve(copy); }, SLOW_NETWORK_MS);
    });
    return Promise.race([network.catch(function () { return copy; }), slow]);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (SHELL_URLS.indexOf(url.pathname) >= 0 || url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fromShell(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(event));
  }
});

/* Background Sync: the browser wakes the worker when the connection returns. */
self.addEventListener("sync", function (event) {
  if (event.tag === "outbox") {
    event.waitUntil(self.shouwangSend.flush().then(tell));
  }
});

function tell(summary) {
  return self.clients.matchAll().then(function (clients) {
    clients.forEach(function (client) { client.postMessage({ outbox: summary }); });
  });
}

/* The pages ask: download the officer's pages; forget the pages (logout). */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.download) {
    event.waitUntil(downloadOnce(data.download, event.source));
  } else if (data.forget) {
    event.waitUntil(caches.delete(PAGES).then(function () {
      if (event.source) { event.source.postMessage({ forgotten: true }); }
    }));
  }
});

/* One download at a time; a page that asks meanwhile is told when it ends. */
var downloading = null, waitingClients = [];
function downloadOnce(listUrl, client) {
  if (client) { waitingClients.push(client); }
  if (!downloading) {
    downloading = download(listUrl, {
      postMessage: function (message) {
        waitingClients.forEach(function (c) { c.postMessage(message); });
      }
    }).then(function () { downloading = null; waitingClients = []; });
  }
  return downloading;
}

/* 下载离线资料: fetch the list of the officer's pages, keep each (two at a time, on a
   thin connection), drop kept pages no longer on the list (a household that moved out of
   the villages), and note when and how many. */
function download(listUrl, client) {
  function say(message) { if (client) { client.postMessage(message); } }
  return fetch(listUrl, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
    if (!r.ok) { throw new Error("list " + r.status); }
    return r.json();
  }).then(function (list) {
    var pages = list.pages.map(function (p) { return new URL(p, self.location.origin).href; });
    var done = 0, queue = pages.slice();
    function next() {
      var url = queue.shift();
      if (!url) { return Promise.resolve(); }
      var request = new Request(url, { credentials: "same-origin" });
      return fetch(request).then(function (response) {
        return keep(request, response);
      }).then(function () {
        done += 1;
        if (done % 10 === 0) { say({ downloading: { done: done, of: pages.length } }); }
        return next();
      });
    }
    return Promise.all([next(), next()]).then(function () {
      return caches.open(PAGES);
    }).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.filter(function (r) {
          return pages.indexOf(r.url) < 0;
        }).map(function (r) { return cache.delete(r); }));
      });
    }).then(function () {
      var note = { at: Date.now(), households: list.households, pages: pages.length };
      return self.shouwangStore.put("meta", note, "download").then(function () {
        say({ downloaded: note });
      });
    });
  }).catch(function () { say({ downloadFailed: true }); });
}
