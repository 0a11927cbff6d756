// The programmes page: release the next voucher round with the signed-in officer's session
// (CSRF token from the page). Four eyes: the first officer's call proposes, a different
// officer's call releases.
(function () {
  const button = document.getElementById("release-round");
  if (!button) return;
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : "";
  const L = (window.COCKPIT || JSON.parse(document.getElementById("cockpit-config").textContent)).labels;
  button.addEventListener("click", async () => {
    const err = document.getElementById("round-error");
    button.disabled = true;
    const r = await fetch(button.dataset.url, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
    const body = await r.json().catch(() => ({}));
    button.disabled = false;
    err.hidden = false;
    if (!r.ok) {
      err.textContent = L.action_failed + " (" + r.status + "): " + (body.message || "");
      return;
    }
    if (body.status === "released") { location.reload(); return; }
    err.className = "small";
    err.textContent = L.prog_release_proposed;
  });
})();
