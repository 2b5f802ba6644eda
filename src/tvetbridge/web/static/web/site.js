// Submit the language switcher as soon as a language is picked; the Go button remains for no-JS use.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
    var button = select.form.querySelector("button");
    if (button) { button.classList.add("js-hidden"); }
  });
});

// Forms that help (issue 12): a region list offers only the chosen country's regions, and a long list
// gets a filter box. An option is hidden when either says so; the server still validates the choice.
(function () {
  var LONG = 15;

  function refresh(option) {
    var off = option.dataset.offCountry === "1" || option.dataset.offFilter === "1";
    // A chosen option stays visible, so a filter never hides what the form is about to send.
    option.hidden = off && !option.selected;
    option.disabled = option.dataset.offCountry === "1";
  }

  function followCountry(region) {
    var country = document.getElementById(region.dataset.follows);
    if (!country) { return; }
    function apply() {
      Array.prototype.forEach.call(region.options, function (option) {
        if (!option.value) { return; }
        option.dataset.offCountry = country.value && option.dataset.country !== country.value ? "1" : "";
        if (option.dataset.offCountry && option.selected) { option.selected = false; }
        refresh(option);
      });
    }
    country.addEventListener("change", apply);
    apply();
  }

  function normalise(text) { return text.toLocaleLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, ""); }

  function addFilter(select, label) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.placeholder = label;
    box.setAttribute("aria-label", label + (select.labels && select.labels[0] ? ": " + select.labels[0].textContent.trim() : ""));
    if (select.id) { box.id = select.id + "-filter"; box.setAttribute("aria-controls", select.id); }
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var words = normalise(box.value).split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(select.options, function (option) {
        var text = normalise(option.textContent);
        option.dataset.offFilter = option.value && !words.every(function (w) { return text.indexOf(w) !== -1; }) ? "1" : "";
        refresh(option);
      });
    });
    // Enter in the filter box must not submit the form half-filled.
    box.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-follows]").forEach(followCountry);
    var label = document.body.dataset.filterLabel;
    if (!label) { return; }
    document.querySelectorAll("form select:not([data-autosubmit])").forEach(function (select) {
      if (select.options.length > LONG) { addFilter(select, label); }
    });
  });
}());
