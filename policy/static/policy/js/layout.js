/* Per-element styles that templates hand over as data attributes, because the
   Content-Security-Policy allows no style="" attribute: data-accent="#hex" sets the --accent
   custom property (an initiative's colour), data-width="42" a width in percent (a progress
   bar). Styles set through the CSSOM like this are not inline styles to CSP. */
(function () {
  "use strict";

  function apply(root) {
    root.querySelectorAll("[data-accent]").forEach(function (el) {
      el.style.setProperty("--accent", el.dataset.accent);
    });
    root.querySelectorAll("[data-width]").forEach(function (el) {
      var width = parseFloat(el.dataset.width);
      if (!isNaN(width)) { el.style.width = Math.max(0, Math.min(100, width)) + "%"; }
    });
  }

  // The print footer says when the page was printed (the server wrote when it was rendered).
  function stamp() {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var text = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) +
      " " + pad(now.getHours()) + ":" + pad(now.getMinutes());
    document.querySelectorAll("[data-print-time]").forEach(function (el) { el.textContent = text; });
  }
  window.addEventListener("beforeprint", stamp);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { apply(document); });
  } else {
    apply(document);
  }
}());
