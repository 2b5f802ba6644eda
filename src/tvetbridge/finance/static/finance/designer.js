// Grey out the fields of an instrument that is not included (they stay editable and are kept).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("fieldset[data-optional]").forEach(function (set) {
    var box = set.querySelector("input[type=checkbox]");
    function sync() { set.classList.toggle("off", !box.checked); }
    box.addEventListener("change", sync);
    sync();
  });
});
