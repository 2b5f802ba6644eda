// Report job page: polls the job's status until the report is done or failed (no inline script, for CSP).
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "yes") { return; }
  var url = box.dataset.statusUrl;
  function poll() {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (j) {
      document.getElementById("job-progress").value = j.progress;
      document.getElementById("job-percent").textContent = j.progress + " %";
      document.getElementById("job-step").textContent = j.status_label + (j.step ? " — " + j.step : "");
      if (j.status === "failed") {
        var e = document.getElementById("job-error"); e.textContent = j.error; e.hidden = false; return;
      }
      if (j.status === "done") {
        document.getElementById("link-pdf").href = j.pdf_url;
        document.getElementById("link-html").href = j.html_url;
        document.getElementById("link-page").href = j.page_url;
        document.getElementById("job-links").hidden = false; return;
      }
      setTimeout(poll, 700);
    }).catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
