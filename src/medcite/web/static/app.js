// medcite: progressive enhancement only. Every page works without this file.
// 1. Citation numbers open a popover with the quoted source sentence and its metadata
//    (without JS they are links to the source document with the sentence highlighted).
// 2. The "Which best describes you?" choice applies as soon as it is picked.
(function () {
  "use strict";

  function setupAudience() {
    document.querySelectorAll("form.audience-form").forEach(function (form) {
      form.querySelectorAll(".js-hide").forEach(function (b) { b.hidden = true; });
      form.addEventListener("change", function (ev) {
        if (ev.target && ev.target.name === "who") { form.submit(); }
      });
    });
  }

  function setupCitations() {
    var pop = document.getElementById("popover");
    if (!pop) { return; }
    var openFor = null;

    function close() {
      pop.hidden = true;
      pop.replaceChildren();
      if (openFor) { openFor.setAttribute("aria-expanded", "false"); openFor.focus(); }
      openFor = null;
    }

    function open(link) {
      var ev = document.getElementById(link.dataset.ev);
      if (!ev) { return false; }
      pop.replaceChildren();
      var head = document.createElement("div");
      head.className = "pop-head";
      var title = document.createElement("span");
      title.textContent = "Source " + link.textContent;
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "pop-close";
      btn.setAttribute("aria-label", "Close");
      btn.textContent = "×";
      btn.addEventListener("click", close);
      head.append(title, btn);
      pop.append(head);
      // Clone the server-rendered (already escaped) nodes; no HTML strings are built here.
      Array.prototype.forEach.call(ev.childNodes, function (n) { pop.append(n.cloneNode(true)); });
      pop.hidden = false;
      var r = link.getBoundingClientRect();
      var width = Math.min(420, window.innerWidth - 24);
      pop.style.width = width + "px";
      var left = Math.max(12, Math.min(r.left + window.scrollX - 20, window.scrollX + window.innerWidth - width - 12));
      pop.style.left = left + "px";
      pop.style.top = (r.bottom + window.scrollY + 8) + "px";
      link.setAttribute("aria-expanded", "true");
      openFor = link;
      btn.focus();
      return true;
    }

    document.addEventListener("click", function (e) {
      var link = e.target.closest ? e.target.closest("a.cite[data-ev]") : null;
      if (link) {
        if (openFor === link) { e.preventDefault(); close(); return; }
        if (open(link)) { e.preventDefault(); }
        return;
      }
      if (openFor && !pop.contains(e.target)) { close(); }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && openFor) { close(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupAudience();
    setupCitations();
  });
})();

// Question boxes show how much of the limit a pasted vignette uses (issue 10).
document.querySelectorAll("textarea[data-counter]").forEach((box) => {
  const out = document.getElementById(box.dataset.counter);
  if (!out) return;
  const show = () => { out.textContent = `${box.value.length} / ${box.maxLength}`; };
  box.addEventListener("input", show);
  show();
});
