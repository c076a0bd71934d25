// The review page: every action is saved at once, and keys move through the details.
(function () {
  const root = document.getElementById("review");
  if (!root) return;
  const sid = root.dataset.submission;
  const detail = root.dataset.detail;
  const errorBox = document.getElementById("action-error");

  async function send(body) {
    errorBox.textContent = "";
    const res = await fetch(`/review/${sid}/actions`, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(Object.assign({detail: detail}, body)),
    });
    const data = await res.json();
    if (!res.ok) { errorBox.textContent = data.error || "not saved"; return null; }
    for (const [key, verdict] of Object.entries(data.verdicts)) {
      document.querySelectorAll(`.verdict[data-key="${CSS.escape(key)}"]`).forEach(el => { el.textContent = verdict; });
    }
    const marked = document.getElementById("marked");
    marked.innerHTML = "";
    data.marked.forEach(k => { const li = document.createElement("li"); li.textContent = k; marked.appendChild(li); });
    const mine = document.querySelector(`.mine[data-for="${CSS.escape(detail)}"]`);
    if (mine) mine.textContent = (data.decision || "").replace("_", " ");
    document.getElementById("overall").textContent = data.overall ? data.overall.replace("_", " ") : "Decide every detail.";
    const submit = document.getElementById("submit-review");
    if (submit) submit.disabled = !data.overall;
    document.getElementById("saved").textContent = "Saved.";
    return data;
  }

  function suggestionBody(li, kind) {
    const num = v => (v === "" ? null : Number(v));
    return {kind: kind, artifact: li.dataset.artifact, page: num(li.dataset.page),
            start_s: num(li.dataset.start), end_s: num(li.dataset.end),
            rank: Number(li.dataset.rank), score: Number(li.dataset.score)};
  }

  document.querySelectorAll(".suggestion").forEach(li => {
    li.querySelector(".confirm").addEventListener("click", () => send(suggestionBody(li, "confirm")));
    li.querySelector(".reject").addEventListener("click", () => send(suggestionBody(li, "reject")));
  });

  document.getElementById("mark-form").addEventListener("submit", ev => {
    ev.preventDefault();
    const f = ev.target;
    send({kind: "mark", artifact: f.artifact.value, location: f.location.value}).then(d => { if (d) f.location.value = ""; });
  });

  const decision = document.getElementById("decision-form");
  function saveDecision() {
    const chosen = decision.querySelector("input[name=decision]:checked");
    send({kind: "decide", decision: chosen ? chosen.value : null, comment: decision.comment.value});
  }
  decision.querySelectorAll("input[name=decision]").forEach(r => r.addEventListener("change", saveDecision));
  decision.comment.addEventListener("change", saveDecision);

  const player = document.getElementById("player");
  if (player) {
    const start = Number(player.dataset.start || 0);
    const seek = () => { player.currentTime = start; };
    if (player.readyState >= 1) seek(); else player.addEventListener("loadedmetadata", seek, {once: true});
    document.querySelectorAll("#transcript .seek").forEach(b => b.addEventListener("click", () => {
      player.currentTime = Number(b.parentElement.dataset.start); player.play();
    }));
  }

  function selected() {
    return document.querySelector(".suggestion.selected") || document.querySelector(".suggestion");
  }
  document.addEventListener("keydown", ev => {
    if (ev.target.closest("input, textarea, select") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const go = id => { if (id) window.location.search = `?detail=${encodeURIComponent(id)}`; };
    if (ev.key === "j" || ev.key === "ArrowDown") go(root.dataset.next);
    else if (ev.key === "k" || ev.key === "ArrowUp") go(root.dataset.prev);
    else if (ev.key === "c" && selected()) send(suggestionBody(selected(), "confirm"));
    else if (ev.key === "x" && selected()) send(suggestionBody(selected(), "reject"));
    else if (ev.key === "p" || ev.key === "n") {
      const r = decision.querySelector(`input[value=${ev.key === "p" ? "proficient" : "not_yet"}]`);
      r.checked = true; saveDecision();
    } else if (/^[1-5]$/.test(ev.key)) {
      const n = Number(ev.key) - 1;
      if (document.querySelector(`.suggestion[data-rank="${n}"]`)) window.location.search = `?detail=${encodeURIComponent(detail)}&s=${n}`;
    }
  });
})();
