// Submit the language switcher as soon as a language is picked; the Go button remains for no-JS use.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
    var button = select.form.querySelector("button");
    if (button) { button.classList.add("js-hidden"); }
  });
});
