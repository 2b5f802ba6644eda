// Poll a simulation run's status until it is done, then reload to show its results.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-run-status]");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var stage = box.querySelector("[data-stage]");
  var pct = box.querySelector("[data-percent]");
  function poll() {
    fetch(box.dataset.runStatus, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.value = s.progress;
        pct.textContent = Math.round(s.progress * 100) + "%";
        stage.textContent = s.stage_label || s.status_label;
        if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
        window.setTimeout(poll, 400);
      })
      .catch(function () { window.setTimeout(poll, 1500); });
  }
  poll();
});
