// Role-play: seconds left for this reply (the server measures the real response time).
(function () {
  var timer = document.getElementById("turn-timer");
  if (!timer) return;
  var end = Date.now() + Number(timer.dataset.remaining) * 1000;
  var latest = document.getElementById("latest");
  if (latest) latest.scrollIntoView({ block: "end" });
  setInterval(function () {
    var left = Math.round((end - Date.now()) / 1000);
    timer.textContent = left >= 0 ? left + " 秒" : "已超时 " + (-left) + " 秒";
    timer.classList.toggle("over", left < 0);
  }, 1000);
})();
