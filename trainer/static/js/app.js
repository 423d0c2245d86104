// Behaviour every page shares, bound here because the Content-Security-Policy allows no inline script:
//   <button data-confirm="…">        asks before the form is sent
//   <select data-autosubmit>         sends its form when the choice changes
//   <a data-back href="…">           goes back in history when there is somewhere to go back to
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var target = event.target.closest ? event.target.closest("[data-confirm], [data-back]") : null;
  if (!target) return;
  if (target.hasAttribute("data-confirm") && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  } else if (target.hasAttribute("data-back") && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("[data-autosubmit]") && target.form) target.form.submit();
});
