// Follows a background job on its page: polls the status endpoint until the job ends.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.active !== "1") { return; }
  var url = box.dataset.statusUrl;
  function show(j) {
    document.getElementById("job-progress").value = j.progress;
    document.getElementById("job-percent").textContent = j.progress + " %";
    document.getElementById("job-step").textContent = j.status_label + (j.step ? " — " + j.step : "");
    var chunks = document.getElementById("job-chunks");
    if (chunks && j.chunks_total) { chunks.textContent = j.chunks_done + " / " + j.chunks_total; }
    if (j.error) {
      var e = document.getElementById("job-error"); e.textContent = j.error; e.hidden = false;
    }
  }
  function poll() {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (j) {
      show(j);
      if (j.active) { setTimeout(poll, 800); } else { window.location.reload(); }
    }).catch(function () { setTimeout(poll, 2500); });
  }
  setTimeout(poll, 500);
})();
