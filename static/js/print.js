/* The print view's button; the page prints from the browser's menu without it. */
(function () {
  "use strict";
  var button = document.getElementById("print-button");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
}());
