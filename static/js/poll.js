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
  // Keep the newest line in view while following, unless the reader scrolled up; and keep
  // at most data-max-lines lines (the tail's maximum), so that a tab left following for a
  // day stays light.
  var atBottom = false;
  function isLogLines(event) {
    var target = event.detail && event.detail.target;
    return target && target.id === "log-lines" ? target : null;
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (isLogLines(event)) {
      atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = isLogLines(event);
    if (!target) {
      return;
    }
    var extra = target.children.length - Number(target.dataset.maxLines || 10000);
    for (var i = 0; i < extra; i++) {
      var line = target.firstElementChild;
      var after = line.nextSibling; // the newline that ends it
      target.removeChild(line);
      if (after && after.nodeType === Node.TEXT_NODE) {
        target.removeChild(after);
      }
    }
    if (atBottom) {
      window.scrollTo(0, document.body.scrollHeight);
    }
  });
})();
