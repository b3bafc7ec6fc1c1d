// Pauses htmx polling (elements marked data-poll) while the tab is hidden, and refreshes
// at once when it is shown again. A static file because the CSP allows no inline script
// and htmx's trigger filters ([document.visibilityState…]) need eval.
document.addEventListener("htmx:beforeRequest", function (event) {
  var elt = event.detail && event.detail.elt;
  if (document.visibilityState === "hidden" && elt && elt.hasAttribute("data-poll")) {
    event.preventDefault();
  }
});
document.addEventListener("visibilitychange", function () {
  if (document.visibilityState === "visible") {
    document.body.dispatchEvent(new CustomEvent("opsconsole:visible"));
  }
});
