// The alerts page: acknowledge and resolve with the session (CSRF token from the page).
(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : "";
  document.addEventListener("click", async (ev) => {
    const b = ev.target.closest("button[data-act]");
    if (!b) return;
    const err = document.getElementById("alert-error");
    b.disabled = true;
    const r = await fetch(b.dataset.url, { method: "POST", body: "{}",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf } });
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      err.hidden = false;
      err.textContent = err.dataset.failed + " (" + r.status + "): " + (body.message || body.detail || "");
      b.disabled = false;
      return;
    }
    location.reload();
  });
})();
