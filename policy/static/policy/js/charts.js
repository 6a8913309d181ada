/* Renders every <div class="chart" data-figure="ID"> from the JSON in
   <script type="application/json" id="ID"> (Django's json_script). No inline JS in templates.
   Charts draw when scrolled into view so first paint is not blocked; before printing (Ctrl+P,
   the print media query, a headless print) every chart not drawn yet is drawn and all are
   resized to the paper. Clicking a map point whose customdata is a URL opens it. */
(function () {
  "use strict";

  function locale() {
    var lang = (document.documentElement.lang || "zh-hans").toLowerCase();
    return lang.indexOf("zh") === 0 ? "zh-CN" : "en";
  }

  function draw(el) {
    if (el.dataset.drawn) { return; }
    var source = document.getElementById(el.dataset.figure);
    if (!source || !window.Plotly) { return; }
    el.dataset.drawn = "1";
    var fig = JSON.parse(source.textContent);
    var config = {
      responsive: true,
      displaylogo: false,
      locale: locale(),
      modeBarButtonsToRemove: ["select2d", "lasso2d"],
      toImageButtonOptions: { format: "png", filename: el.dataset.figure }
    };
    var fallback = el.querySelector(".chart-fallback");
    if (fallback) { fallback.classList.add("visually-hidden"); }
    window.Plotly.newPlot(el, fig.data, fig.layout || {}, config).then(function (gd) {
      gd.on("plotly_click", function (event) {
        var point = event.points && event.points[0];
        var url = point && point.customdata;
        if (typeof url === "string" && url.charAt(0) === "/") { window.location.href = url; }
      });
      el.setAttribute("data-rendered", "1");
    });
  }

  function allCharts() {
    return Array.prototype.slice.call(document.querySelectorAll(".chart[data-figure]"));
  }

  function forPrint() {
    allCharts().forEach(function (el) {
      draw(el);
      if (el.dataset.drawn && window.Plotly && el.classList.contains("js-plotly-plot")) {
        window.Plotly.Plots.resize(el);
      }
    });
  }

  function afterPrint() {
    allCharts().forEach(function (el) {
      if (el.classList.contains("js-plotly-plot")) { window.Plotly.Plots.resize(el); }
    });
  }

  function watchPrint() {
    window.addEventListener("beforeprint", forPrint);
    window.addEventListener("afterprint", afterPrint);
    if (window.matchMedia) {
      var query = window.matchMedia("print");
      var changed = function (event) { if (event.matches) { forPrint(); } else { afterPrint(); } };
      if (query.addEventListener) { query.addEventListener("change", changed); }
      else if (query.addListener) { query.addListener(changed); }
      if (query.matches) { forPrint(); }
    }
  }

  function start() {
    var charts = allCharts();
    watchPrint();
    if (!("IntersectionObserver" in window)) { charts.forEach(draw); return; }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
      });
    }, { rootMargin: "200px" });
    charts.forEach(function (el) { observer.observe(el); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
