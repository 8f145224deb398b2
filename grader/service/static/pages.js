// Progressive enhancement only: every page works without this file.
// 1. An attempt's status follows the JSON status endpoint until it is graded (no reload).
// 2. The upload form posts to the API, says at once why a file is refused, and takes drag and drop.
"use strict";

function followStatus(box) {
  const label = box.querySelector(".status");
  const link = document.getElementById("feedback-link");
  async function poll() {
    const answer = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
    if (!answer.ok) { label.textContent = "status unavailable (" + answer.status + "): reload the page"; return; }
    const s = await answer.json();
    if (s.status === "done") {
      label.textContent = "graded";
      if (link) { link.textContent = "Read the feedback"; }
      return;
    }
    label.textContent = s.status === "queued" && s.queue_position ? "queued (" + s.queue_position + " ahead)" : s.status;
    setTimeout(poll, 700);
  }
  setTimeout(poll, 700);
}

function refusal(file, accepted) {
  if (!file) { return "choose a file first"; }
  const dot = file.name.lastIndexOf(".");
  const suffix = dot < 0 ? "" : file.name.slice(dot).toLowerCase();
  return accepted.includes(suffix) ? "" : "submit a notebook (.ipynb), a Python script (.py) or a .zip of them";
}

function enhanceUpload(form) {
  const input = form.querySelector("input[type=file]");
  const zone = form.querySelector(".drop");
  const problem = form.querySelector(".problem");
  const accepted = form.dataset.accept.split(",");
  input.addEventListener("change", () => { problem.textContent = refusal(input.files[0], accepted); });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    input.files = e.dataTransfer.files;
    problem.textContent = refusal(input.files[0], accepted);
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const why = refusal(input.files[0], accepted);
    if (why) { problem.textContent = why; return; }
    problem.textContent = "";
    const body = new FormData();
    body.append("file", input.files[0]);
    const answer = await fetch(form.dataset.upload, { method: "POST", body: body,
                                                      headers: { "X-CSRF-Token": form.dataset.csrf } });
    const reply = await answer.json().catch(() => ({ detail: "the server answered " + answer.status }));
    if (answer.ok) { window.location.assign("/submissions/" + reply.id); return; }
    problem.textContent = typeof reply.detail === "string" ? reply.detail : "the file was refused (" + answer.status + ")";
  });
}

const statusBox = document.querySelector("[data-status-url]");
if (statusBox && statusBox.querySelector(".status").textContent !== "graded") { followStatus(statusBox); }
document.querySelectorAll("form[data-upload]").forEach(enhanceUpload);
