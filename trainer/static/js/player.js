// Lesson player: counts down the segment's planned minutes and reports visible study time to the server.
(function () {
  var article = document.querySelector("article.segment[data-beat]");
  if (!article) return;
  var planned = Number(article.dataset.minutes) * 60;
  var before = Number(article.dataset.seconds) || 0;   // seconds already spent here on earlier visits
  var timer = document.getElementById("timer");
  var bar = document.getElementById("timebar");
  var spent = document.getElementById("spent");
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  var unreported = 0;   // visible milliseconds not yet sent
  var total = before * 1000;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var now = Date.now();
    if (visibleSince !== null) { unreported += now - visibleSince; total += now - visibleSince; visibleSince = now; }
    var left = Math.round(planned - total / 1000);
    var shown = Math.abs(left);
    timer.textContent = (left < 0 ? "+" : "") + Math.floor(shown / 60) + ":" + pad(shown % 60);
    timer.classList.toggle("over", left < 0);
    bar.style.width = Math.min(100, 100 * total / 1000 / planned) + "%";
  }

  function report(keepalive) {
    tick();
    var seconds = Math.floor(unreported / 1000);
    if (seconds < 1) return;
    unreported -= seconds * 1000;
    fetch(article.dataset.beat, {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": article.dataset.csrf },
      body: JSON.stringify({ seconds: seconds })
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && spent) spent.textContent = Math.floor(data.seconds_spent / 60); })
      .catch(function () { unreported += seconds * 1000; });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { visibleSince = Date.now(); }
    else { tick(); visibleSince = null; report(true); }
  });
  window.addEventListener("pagehide", function () { report(true); });
  setInterval(tick, 1000);
  setInterval(function () { report(false); }, 30000);
  tick();
})();
