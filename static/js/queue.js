// The alert queue: "select all" ticks every alert of the page for bulk assignment.
(function () {
  var all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll('input[name="alert"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
