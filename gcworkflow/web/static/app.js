// The desk works without this file: it asks before a consequential post, stops double submits, and puts the
// focus where a page that answers a post or a search wants it read first (the result or the error summary).
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
// A link in an error summary takes the keyboard to the field it names (a fragment link alone only scrolls),
// opening the action's <details> it sits in.
document.addEventListener("click", function (event) {
  var link = event.target.closest(".error-summary a[href^='#']");
  var field = link && document.getElementById(link.getAttribute("href").slice(1));
  if (!field) {
    return;
  }
  var details = field.closest("details");
  if (details) {
    details.open = true;
  }
  if (field.matches("details")) {
    field = field.querySelector("summary");
  } else if (!field.matches("a[href], button, input, select, textarea, [tabindex]")) {
    field.setAttribute("tabindex", "-1"); // a proposal's <article>: focusable by script only
  }
  event.preventDefault();
  field.focus();
});
// A link to a page's anchor (#proposal-3) takes the reader there itself; only a plain load moves the focus.
var target = window.location.hash ? null : document.querySelector("[data-focus]");
if (target) {
  target.focus();
}
