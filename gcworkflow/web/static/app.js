// The desk works without this file: it only asks before a consequential post and stops double submits.
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (form.getAttribute("data-sent") === "1") {
    event.preventDefault();
    return;
  }
  form.setAttribute("data-sent", "1");
  window.setTimeout(function () { form.removeAttribute("data-sent"); }, 5000);
});
