// The programmes page, for an officer signed in (CSRF token from the page):
// - release the next voucher round: four eyes — the first officer's call proposes, a
//   different officer's call releases (the proposal shows in the rounds table and the list
//   of what waits for a check);
// - close an open round (the unclaimed packs go back, as the programme's rules say);
// - create a programme from its rules (YAML), starting from a shipped example.
(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : "";
  const L = (window.COCKPIT || JSON.parse(document.getElementById("cockpit-config").textContent)).labels;

  async function post(url, body) {
    const headers = { "X-CSRF-Token": csrf };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(url, { method: "POST", credentials: "same-origin", headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body) });
    return { r: r, body: await r.json().catch(() => ({})) };
  }

  function say(el, ok, text) {
    el.hidden = false;
    el.className = ok ? "small" : "error";
    el.textContent = text;
  }

  function failed(got) {
    return L.action_failed + " (" + got.r.status + "): " + (got.body.message || "");
  }

  const release = document.getElementById("release-round");
  const roundError = document.getElementById("round-error");
  if (release) {
    release.addEventListener("click", async () => {
      release.disabled = true;
      const got = await post(release.dataset.url);
      release.disabled = false;
      if (!got.r.ok) { say(roundError, false, failed(got)); return; }
      if (got.body.status === "released") { location.reload(); return; }
      say(roundError, true, L.prog_release_proposed);
    });
  }

  document.querySelectorAll("button.close-round").forEach((b) => {
    b.addEventListener("click", async () => {
      b.disabled = true;
      const got = await post(b.dataset.url);
      if (!got.r.ok) { b.disabled = false; say(roundError, false, failed(got)); return; }
      location.reload();
    });
  });

  const pick = document.getElementById("create-template");
  const rules = document.getElementById("create-rules");
  const result = document.getElementById("create-result");
  if (pick && rules) {
    fetch("/api/cockpit/programmes/templates", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : { names: [] }))
      .then((body) => body.names.forEach((n) => {
        const o = document.createElement("option");
        o.value = n; o.textContent = n; pick.appendChild(o);
      }));
    document.getElementById("create-load").addEventListener("click", async () => {
      if (!pick.value) return;
      const r = await fetch("/api/cockpit/programmes/templates/" + encodeURIComponent(pick.value),
        { credentials: "same-origin" });
      if (r.ok) rules.value = (await r.json()).rules_yaml;
    });
    document.getElementById("create-programme").addEventListener("click", async () => {
      const got = await post("/api/cockpit/programmes?lang=" + encodeURIComponent(document.documentElement.lang || ""),
        { rules_yaml: rules.value });
      if (!got.r.ok) { say(result, false, failed(got)); return; }
      say(result, true, (got.body.created ? L.ws_created : L.ws_exists) + ": " + got.body.name + " (" + got.body.code + ")");
      result.dataset.code = got.body.code;
    });
  }
})();
