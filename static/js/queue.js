// The alert queue's bulk assignment: "select all" ticks every alert of the page, and the
// person list offers only those who can see every ticked alert (an officer works in one
// village, a town's staff in its villages: a person's place must contain the alert's, as
// monitor.scope.place_covers says on the server).
(function () {
  var all = document.getElementById("select-all");
  var picker = document.querySelector('#assign-form select[name="assignee"]');
  if (!all || !picker) return;
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name="alert"]'));

  function narrow() {
    var villages = boxes.filter(function (b) { return b.checked; })
      .map(function (b) { return b.getAttribute("data-village"); });
    Array.prototype.forEach.call(picker.options, function (option) {
      var place = option.getAttribute("data-place");
      if (!place) return;
      var sees = villages.every(function (v) { return v.indexOf(place) === 0; });
      option.hidden = option.disabled = !sees;
      if (!sees && option.selected) picker.value = "";
    });
  }

  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
    narrow();
  });
  boxes.forEach(function (box) { box.addEventListener("change", narrow); });
  narrow();
})();
