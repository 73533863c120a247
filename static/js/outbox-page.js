/* 待发送: what waits on this phone, from IndexedDB; refused items with the server's
   reason, to fix (reopens the form with the data) or to discard. */
(function () {
  "use strict";
  var outbox = window.shouwangOutbox;
  var list = document.getElementById("outbox-list");
  var sendNow = document.getElementById("outbox-send");
  if (!outbox || !list) { return; }
  if (location.hash === "#saved") { document.getElementById("outbox-saved").hidden = false; }

  function text(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    node.textContent = content;
    return node;
  }

  function when(ms) {
    var d = new Date(ms);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return (d.getMonth() + 1) + "月" + d.getDate() + "日 " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  var WHY = { offline: "没有信号，有信号时自动发送", login: "登录已过期，重新登录后自动发送",
              server: "服务器暂时没有响应，稍后自动重发", "": "等待发送" };

  function row(item) {
    var li = document.createElement("li");
    li.className = "outbox-item " + item.state;
    li.appendChild(text("p", "strong", item.label || "一条记录"));
    li.appendChild(text("p", "muted", "保存于 " + when(item.created)));
    if (item.state === "refused") {
      li.appendChild(text("p", "error", "被退回，原因："));
      var reasons = document.createElement("ul");
      reasons.className = "reasons";
      (item.reason || []).forEach(function (r) { reasons.appendChild(text("li", "", r)); });
      li.appendChild(reasons);
      var actions = document.createElement("p");
      if (item.edit) {
        var fix = text("a", "button small", "修改后重新发送");
        fix.href = item.edit + "#outbox=" + encodeURIComponent(item.id);
        actions.appendChild(fix);
        actions.appendChild(document.createTextNode(" "));
      }
      var drop = text("button", "secondary small", "放弃这条记录");
      drop.type = "button";
      drop.addEventListener("click", function () {
        if (window.confirm("放弃后这条记录从本机删除，无法找回。确定放弃“" + (item.label || "这条记录") + "”吗？")) {
          outbox.discard(item.id).then(draw);
        }
      });
      actions.appendChild(drop);
      li.appendChild(actions);
    } else {
      li.appendChild(text("p", "waiting-why", WHY[item.why || ""] || WHY[""]));
    }
    return li;
  }

  function draw() {
    return window.shouwangStore.all("outbox").then(function (items) {
      var mine = items.filter(function (i) { return String(i.user) === String(outbox.user) || !outbox.user; });
      list.innerHTML = "";
      var waiting = mine.some(function (i) { return i.state !== "refused"; });
      sendNow.hidden = !waiting || navigator.onLine === false;
      var saved = document.getElementById("outbox-saved");
      if (!saved.hidden && !waiting) { saved.textContent = "已发送到服务器。"; }
      if (!mine.length) {
        list.appendChild(text("p", "muted", "本机没有待发送的记录。"));
        return;
      }
      mine.sort(function (a, b) { return a.created - b.created; });
      var ul = document.createElement("ul");
      ul.className = "outbox-items";
      mine.forEach(function (item) { ul.appendChild(row(item)); });
      list.appendChild(ul);
    });
  }

  sendNow.addEventListener("click", function () { outbox.flush().then(draw); });
  document.addEventListener("outbox:changed", draw);
  window.addEventListener("online", draw);
  window.addEventListener("offline", draw);
  draw();
}());
