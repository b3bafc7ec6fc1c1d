// Elements marked data-poll-visible (the log follower) poll only while the tab is visible:
// a hidden tab's requests are cancelled before they leave, and showing the tab again asks
// at once through the element's "poll-now" trigger. No inline script: the CSP forbids it.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (document.hidden && elt && elt.hasAttribute("data-poll-visible")) {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) {
      return;
    }
    document.querySelectorAll("[data-poll-visible]").forEach(function (elt) {
      window.htmx.trigger(elt, "poll-now");
    });
  });
  // Keep the newest line in view while following, unless the reader scrolled up.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "log-lines") {
      return;
    }
    var nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 200;
    if (nearBottom) {
      window.scrollTo(0, document.body.scrollHeight);
    }
  });
})();
