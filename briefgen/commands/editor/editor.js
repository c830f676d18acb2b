// Every piece of data goes in with textContent; nothing from the briefing or the server is parsed as markup.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const cfg = JSON.parse($("bg-editor-data").textContent);
  const bar = $("bg-editor"), banner = $("bg-banner"), say = (text) => { $("bg-message").textContent = text || ""; };
  const headings = new Map(cfg.sections.map((s) => [s[0], s[1]]));
  let busy = false;

  async function post(path, fields) {
    if (busy) return;
    busy = true;
    bar.classList.add("bg-busy");
    for (const b of document.querySelectorAll("#bg-editor button, .bg-drop")) b.disabled = true;
    say("");
    $("bg-build").textContent = "Rebuilding\u2026";
    const body = new URLSearchParams(fields);
    body.set("build", String(cfg.build));
    try {
      const response = await fetch(path, {
        method: "POST", body: body, cache: "no-store", credentials: "same-origin",
        headers: {"X-Briefgen-Token": cfg.token},
      });
      if (response.ok) { location.reload(); return; }
      const text = await response.text();
      let data = {};
      try { data = JSON.parse(text); } catch (err) { data = {error: text.trim()}; }
      say(data.error || "refused (" + response.status + ")");
    } catch (err) {
      say("The preview server is not answering.");
    }
    busy = false;
    bar.classList.remove("bg-busy");
    for (const b of document.querySelectorAll("#bg-editor button, .bg-drop")) b.disabled = false;
    show(cfg.status);
  }

  for (const el of document.querySelectorAll("[data-item]")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "bg-drop";
    button.textContent = "Drop";
    button.title = "Leave this quote out: the next best sentence of the section takes its place";
    button.addEventListener("click", (event) => {
      event.preventDefault();
      event.stopPropagation();
      post("/drop", {item: el.getAttribute("data-item")});
    });
    el.appendChild(button);
  }

  const select = $("bg-note-section"), listed = new Set();
  for (const el of document.querySelectorAll("[data-section]")) {
    const name = el.getAttribute("data-section");
    if (!headings.has(name) || listed.has(name)) continue;
    listed.add(name);
    const option = document.createElement("option");
    option.value = name;
    option.textContent = headings.get(name);
    select.appendChild(option);
  }
  $("bg-note-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("bg-note-text").value.trim();
    if (text) post("/note", {text: text, section: select.value});
  });
  $("bg-approve").addEventListener("click", () => post("/approve", {}));

  function show(status) {
    cfg.status = status;
    banner.hidden = !status.error;
    banner.textContent = status.error
      ? (cfg.build ? "Not rebuilt, showing the last good build: " : "Cannot build the briefing: ") + status.error
      : "";
    $("bg-build").textContent = status.building ? "Building\u2026" : cfg.build ? "Build " + cfg.build : "Not built yet";
    $("bg-dropped").textContent = status.dropped ? status.dropped + " dropped" : "";
    const approval = $("bg-approval"), approve = $("bg-approve");
    if (status.approval === null) {
      const when = new Date(status.approved_at);
      approval.textContent = "Approved by " + status.approved_by + " at " +
        (isNaN(when) ? status.approved_at : when.toLocaleString());
      approval.className = "bg-ok";
    } else {
      approval.textContent = status.approved_by ? "Not approved: " + status.approval : "Not approved";
      approval.className = "bg-no";
    }
    approve.disabled = busy || status.approval === null || !!status.error || !cfg.build;
    const list = $("bg-notes");
    list.replaceChildren();
    status.notes.forEach((note, index) => {
      const item = document.createElement("li");
      const text = document.createElement("span");
      text.textContent = note.text;
      const where = document.createElement("span");
      where.className = "bg-quiet";
      where.textContent = " \u2014 " + (note.section ? headings.get(note.section) || note.section : "Top");
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.disabled = busy;
      remove.addEventListener("click", () => post("/note/remove", {index: String(index), text: note.text}));
      item.append(text, where, remove);
      list.appendChild(item);
    });
    document.body.style.paddingBottom = bar.offsetHeight + 16 + "px";
    document.body.style.paddingTop = banner.hidden ? "" : banner.offsetHeight + "px";
  }

  async function poll() {
    try {
      const response = await fetch("/status", {cache: "no-store"});
      if (response.status === 403) { say((await response.text()).trim()); setTimeout(poll, 5000); return; }
      const status = await response.json();
      if (status.build !== cfg.build && !busy) { location.reload(); return; }
      if (!busy) show(status);
    } catch (err) {
      say("The preview server has stopped.");
    }
    setTimeout(poll, 1000);
  }
  show(cfg.status);
  setTimeout(poll, 1000);
})();
