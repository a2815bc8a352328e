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

// Asking shows what is happening (server-sent events from /api/v1/ask/stream); without
// JavaScript, or if streaming fails to start, the form posts as usual.
(function () {
  var form = document.querySelector("form.ask-form[data-stream]");
  if (!form || !window.fetch || !window.TextDecoder) return;
  var status = document.getElementById("ask-status");
  var LABELS = {
    searching: "Searching the library…",
    composing: "Choosing the evidence…",
    writing: "A language model is writing a summary from the evidence…",
    verifying: "Checking every written sentence against the quotes it cites…"
  };
  function show(text, isError) {
    if (!status) return;
    status.textContent = text;
    status.hidden = false;
    status.className = isError ? "ask-status error" : "ask-status";
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    show(LABELS.searching, false);
    fetch(form.dataset.stream, {
      method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({question: form.elements.question.value, audience: form.elements.who.value})
    }).then(function (r) {
      if (!r.ok || !r.body) {
        return r.json().then(function (j) { throw new Error(j.error ? j.error.message : "HTTP " + r.status); });
      }
      var reader = r.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer += decoder.decode(chunk.value, {stream: true});
          var parts = buffer.split("\n\n");
          buffer = parts.pop();
          parts.forEach(function (block) {
            var kind = (block.match(/^event: (.*)$/m) || [])[1];
            var data = (block.match(/^data: (.*)$/m) || [])[1];
            if (!kind || !data) return;
            var d = JSON.parse(data);
            if (kind === "stage") show(LABELS[d.stage] || d.stage, false);
            if (kind === "article") window.location.assign(d.url);
            if (kind === "error") throw new Error(d.message);
          });
          return pump();
        });
      }
      return pump();
    }).catch(function (err) {
      show(err.message + " Your question is still in the box.", true);
      if (button) button.disabled = false;
    });
  });
})();
