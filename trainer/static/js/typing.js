// Typing drill: a live speed estimate while typing (the server's own timing decides the result).
(function () {
  var script = document.currentScript;
  var box = document.querySelector("textarea[name=typed]");
  var live = document.getElementById("typing-live");
  if (!box || !live) return;
  var started = Date.parse(script.dataset.started);
  if (isNaN(started)) started = Date.now();
  box.addEventListener("paste", function (event) { event.preventDefault(); });
  setInterval(function () {
    var minutes = Math.max(1 / 60, (Date.now() - started) / 60000);
    var typed = box.value.replace(/\s+/g, "").length;
    live.textContent = Math.round(typed / minutes) + " 字/分";
  }, 1000);
})();
