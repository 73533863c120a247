/* 我的农户 without signal: a search cannot reach the server, so it looks through the
   list pages kept on this phone (docs/offline.md) by 户编号, 户主 and 村·组. */
(function () {
  "use strict";
  var form = document.querySelector("form.filters-form");
  var table = document.querySelector("table.cards tbody");
  if (!form || !table || !window.caches || !window.DOMParser) { return; }

  function keptRows() {
    return caches.open("pages").then(function (cache) {
      return cache.keys().then(function (requests) {
        var lists = requests.filter(function (r) {
          var url = new URL(r.url);
          return url.pathname === location.pathname && /^(\?page=\d+)?$/.test(url.search);
        });
        return Promise.all(lists.map(function (r) {
          return cache.match(r).then(function (response) { return response.text(); });
        }));
      });
    }).then(function (pages) {
      var parser = new DOMParser();
      return pages.reduce(function (rows, html) {
        var found = parser.parseFromString(html, "text/html").querySelectorAll("table.cards tbody tr");
        return rows.concat(Array.prototype.slice.call(found));
      }, []);
    });
  }

  form.addEventListener("submit", function (event) {
    if (navigator.onLine !== false) { return; }
    event.preventDefault();
    var words = (form.elements.q.value || "").trim().toUpperCase();
    keptRows().then(function (rows) {
      var seen = {};
      var found = rows.filter(function (row) {
        var text = row.textContent.toUpperCase();
        if (seen[text]) { return false; }
        seen[text] = true;
        return text.indexOf(words) >= 0;
      });
      table.innerHTML = "";
      found.forEach(function (row) { table.appendChild(document.importNode(row, true)); });
      var count = document.querySelector("[data-household-count]");
      if (count) {
        count.textContent = "没有信号：在本机保存的 " + Object.keys(seen).length + " 户中找到 " + found.length +
          " 户（按户编号、户主、村组查找）";
      }
      var pager = document.querySelector("nav.pager");
      if (pager) { pager.hidden = true; }
    });
  });
}());
