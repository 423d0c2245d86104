// Shows each level's running total while HR edits weights (the server checks the sums again on save).
(function () {
  document.querySelectorAll("fieldset.weight-level").forEach(function (set) {
    var out = set.querySelector("[data-sum]");
    var inputs = set.querySelectorAll("input");
    function update() {
      var total = 0;
      inputs.forEach(function (i) { total += Number(i.value) || 0; });
      out.textContent = "合计 " + total.toFixed(2) + "%";
      out.className = "small " + (Math.abs(total - 100) <= 0.05 ? "good-text" : "bad-text");
    }
    inputs.forEach(function (i) { i.addEventListener("input", update); });
    update();
  });
})();
