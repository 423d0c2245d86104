// 一对一演练. The list page (trainee, no open drill) reloads itself until the supervisor opens one. The live
// page polls the drill's state every 2 s, appends the turns it has not shown yet (the scorer's marks included),
// enables the form for whoever speaks next, and sends a line or a reply as JSON without reloading the page.
// Without this script the page still works: plain form posts and a "刷新对话" link.
(function () {
  var waiting = document.getElementById("open-drills");
  if (waiting && waiting.dataset.reloadSeconds) {
    setTimeout(function () { window.location.reload(); }, Number(waiting.dataset.reloadSeconds) * 1000);
  }

  var root = document.getElementById("drill");
  if (!root || root.dataset.status !== "open") return;
  var transcript = document.getElementById("transcript");
  var empty = document.getElementById("transcript-empty");
  var form = document.getElementById("turn-form");
  var text = form ? form.querySelector("textarea") : null;
  var afterInput = form ? form.querySelector("input[name=after]") : null;
  var button = form ? form.querySelector("button[type=submit]") : null;
  var hint = document.getElementById("turn-hint");
  var status = document.getElementById("turn-status");
  var who = document.getElementById("turn-who");
  var replies = document.getElementById("reply-count");
  var role = root.dataset.role;
  var count = Number(root.dataset.count);
  var sending = false, polling = false, timer = null;

  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function bubble(turn) {
    var li = el("li", "bubble " + turn.role);
    li.dataset.position = turn.position;
    var head = el("div", "who", turn.role === "customer" ? root.dataset.customer : root.dataset.agent + " ");
    li.appendChild(head);
    var body = el("div", "text");
    li.appendChild(body);
    if (turn.role === "customer") {
      body.textContent = turn.text;
      return li;
    }
    head.appendChild(el("span", "badge " + (turn.passed ? "good" : "bad"), Number(turn.score).toFixed(1) + " 分"));
    var view = el("div", "reply-view");
    (turn.segments || []).forEach(function (seg) {
      if (seg.kind === "plain") { view.appendChild(document.createTextNode(seg.text)); return; }
      var mark = el("mark", "hl " + seg.kind, seg.text);
      mark.tabIndex = 0;
      mark.dataset.tip = seg.tip;
      view.appendChild(mark);
    });
    body.appendChild(view);
    var feedback = el("div", "feedback small");
    (turn.feedback || []).forEach(function (item) {
      var badge = el("span", "badge " + item.tone, item.text);
      if (item.title) badge.title = item.title;
      feedback.appendChild(badge);
      feedback.appendChild(document.createTextNode(" "));
    });
    li.appendChild(feedback);
    return li;
  }

  function setNext(next) {
    root.dataset.next = next || "";
    if (who) {
      var label = who.dataset[next === "trainee" ? "trainee" : "customer"];
      who.textContent = "";
      who.appendChild(el("strong", "", label));
    }
    if (!form) return;
    var mine = next === role;
    text.disabled = !mine;
    button.disabled = !mine || sending;
    if (hint) hint.textContent = mine ? hint.dataset.mine : hint.dataset.wait;
    afterInput.value = count;
  }

  function apply(state) {
    if (state.status !== "open") { window.location.reload(); return; }
    var added = null;
    (state.turns || []).forEach(function (turn) {
      if (turn.position !== count) return;  // already shown, or a gap the next poll fills
      var old = document.getElementById("latest");
      if (old) old.removeAttribute("id");
      added = bubble(turn);
      added.id = "latest";
      transcript.appendChild(added);
      if (turn.role === "trainee" && replies) replies.textContent = Number(replies.textContent) + 1;
      count += 1;
    });
    if (added) {
      if (empty) empty.hidden = true;
      added.scrollIntoView({ block: "nearest" });
    }
    setNext(state.next);
    if (added && form && !text.disabled) text.focus();
  }

  function poll() {
    if (polling) return;
    polling = true;
    fetch(root.dataset.state + "?after=" + count, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { polling = false; if (data) apply(data); })
      .catch(function () { polling = false; });
  }

  function send(event) {
    event.preventDefault();
    if (sending || text.disabled) return;
    var value = text.value;
    if (!value.trim()) { status.textContent = "请先写下要说的话。"; text.focus(); return; }
    sending = true;
    button.disabled = true;
    status.textContent = "正在发送…";
    fetch(form.action, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify({ text: value, after: count })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      sending = false;
      if (res.ok) {
        text.value = "";
        status.textContent = "";
        apply(res.data);
      } else {
        status.textContent = res.data.error || "发送失败，请刷新页面后重试。";
        setNext(root.dataset.next);
        poll();  // a stale page: show what it missed; the text stays in the box
      }
    }).catch(function () {
      sending = false;
      status.textContent = "网络中断，没有发送成功，请稍后重试。";
      setNext(root.dataset.next);
    });
  }

  if (form) {
    form.addEventListener("submit", send);
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) send(event);
    });
  }
  timer = setInterval(function () { if (!document.hidden) poll(); }, 2000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
  window.addEventListener("pagehide", function () { clearInterval(timer); });
})();
