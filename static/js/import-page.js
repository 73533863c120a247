/* The 导入排查 pages. A form that starts work (upload, import, stop, rerun) says so and
   cannot be sent twice while the server works on it. The progress bar asks the server
   where the import is every two seconds and moves; when the work is no longer running
   (checked, done, failed, interrupted) the page is loaded again to show the result. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("form[data-busy]"), function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button");
      button.disabled = true;
      button.textContent = form.dataset.busy;
    });
  });

  var box = document.querySelector("[data-status]");
  if (!box) { return; }
  var bar = document.getElementById("import-bar");
  var phase = document.getElementById("import-phase");
  var text = document.getElementById("import-text");

  function show(status) {
    if (!status.running || status.interrupted) {
      window.location.reload();
      return;
    }
    bar.value = status.percent;
    bar.textContent = status.percent + "%";
    phase.textContent = status.phase
      ? "第 " + status.step + " 步（共 " + status.steps + " 步）：" + status.phase
      : status.state;
    text.textContent = status.text;
    setTimeout(poll, 2000);
  }

  function poll() {
    fetch(box.dataset.status, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(show)
      .catch(function () {
        text.textContent = "暂时连不上服务器，稍后自动重试";
        setTimeout(poll, 5000);
      });
  }

  setTimeout(poll, 1000);
}());
