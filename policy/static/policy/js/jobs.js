/* Live job status without a reload: every element with data-job-url whose data-job-state is
   queued, pending or running polls that small JSON endpoint (every 3 s, then more slowly) and
   shows the answer: .job-label gets the state, .job-detail the counts or the error; a finished
   briefing gets its download link (from the row's <template class="job-download-link">).
   Polling stops when the job has finished, and pauses while the tab is hidden. */
(function () {
  "use strict";

  var LIVE = { queued: true, pending: true, running: true };

  function show(el, data) {
    var label = el.querySelector(".job-label");
    var detail = el.querySelector(".job-detail");
    if (label && data.label) { label.textContent = data.label; }
    if (detail) {
      detail.textContent = data.detail || "";
      detail.classList.toggle("run-error", data.status === "failed");
    }
    el.dataset.jobState = data.status;
    var row = el.closest("tr");
    if (!row) { return; }
    if (data.generated_at) {
      var when = row.querySelector(".job-generated");
      if (when) { when.textContent = data.generated_at; }
    }
    if (data.download) {
      var cell = row.querySelector(".job-download");
      var template = row.querySelector("template.job-download-link");
      if (cell && template && !cell.querySelector("a[href]")) {
        var link = template.content.firstElementChild.cloneNode(true);
        link.setAttribute("href", data.download);
        cell.textContent = "";
        cell.appendChild(link);
      }
    }
  }

  function poll(el, delay) {
    window.setTimeout(function () {
      if (document.hidden) { poll(el, delay); return; }
      fetch(el.dataset.jobUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) {
          show(el, data);
          if (!data.finished) { poll(el, Math.min(delay * 1.5, 15000)); }
        })
        .catch(function () { poll(el, Math.min(delay * 2, 30000)); });
    }, delay);
  }

  function start() {
    document.querySelectorAll("[data-job-url]").forEach(function (el) {
      if (LIVE[el.dataset.jobState]) { poll(el, 3000); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
