// Exam page: counts down to the server's deadline and autosaves every answer as it changes.
(function () {
  var form = document.getElementById("exam-form");
  if (!form) return;
  var timer = document.getElementById("exam-timer");
  var status = document.getElementById("save-status");
  var remaining = Number(timer.dataset.remaining);
  var deadline = Date.now() + remaining * 1000;
  var pending = null, dirty = false, submitting = false;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function answers() {
    var result = {};
    form.querySelectorAll("fieldset.question").forEach(function (set) {
      var id = set.id.replace(/^question-/, "");
      var boxes = set.querySelectorAll("input[type=checkbox]");
      var radios = set.querySelectorAll("input[type=radio]");
      var selects = set.querySelectorAll("select");
      var text = set.querySelector("input[type=text], input:not([type]), textarea");
      if (selects.length) {  // a matching question: one chosen answer (or none) per item
        var values = Array.prototype.map.call(selects, function (s) { return s.value === "" ? null : Number(s.value); });
        result[id] = values.some(function (v) { return v !== null; }) ? values : null;
      } else if (boxes.length) {
        result[id] = Array.prototype.filter.call(boxes, function (b) { return b.checked; })
          .map(function (b) { return Number(b.value); });
      } else if (radios.length) {
        var chosen = set.querySelector("input[type=radio]:checked");
        result[id] = chosen ? (chosen.value === "true" ? true : chosen.value === "false" ? false : Number(chosen.value)) : null;
      } else if (text) {
        result[id] = text.value;
      }
    });
    return result;
  }

  function save() {
    pending = null;
    if (!dirty || submitting) return;
    dirty = false;
    status.textContent = "正在保存…";
    fetch(form.dataset.save, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf },
      body: JSON.stringify({ answers: answers() })
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    }).then(function (res) {
      if (res.ok) {
        var now = new Date();
        status.textContent = "已保存 " + pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
        deadline = Date.now() + res.data.remaining * 1000;
      } else if (res.status === 409) {
        status.textContent = res.data.error;
        window.location.reload();
      } else {
        status.textContent = res.data.error || "保存失败，请检查网络";
        dirty = true;
      }
    }).catch(function () { status.textContent = "网络中断，答案将在恢复后保存"; dirty = true; });
  }

  function changed() {
    dirty = true;
    if (pending) clearTimeout(pending);
    pending = setTimeout(save, 800);
  }

  form.addEventListener("change", changed);
  form.addEventListener("input", changed);
  form.addEventListener("submit", function () { submitting = true; });
  setInterval(function () { if (dirty) save(); }, 10000);
  setInterval(function () {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    timer.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
    timer.classList.toggle("over", left < 60);
    if (left === 0 && !submitting) { submitting = true; form.submit(); }
  }, 1000);
})();
