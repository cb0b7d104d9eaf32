// The hospital board: the ambulances coming to this hospital only, each with triage, category,
// patient summary, a live ETA countdown and its track; an acknowledge button; and the
// hospital's own readiness form with the time each value was last reported.
"use strict";

Satria.start(async (me) => {
  const { t, lang, api, feed, map, countdown, clock, el, languageSwitch } = Satria;
  const hospitalId = decodeURIComponent(location.pathname.split("/").pop());
  const error = document.getElementById("board-error");
  if (me.hospital_id !== hospitalId) {
    error.textContent = t("not_your_board");
    error.hidden = false;
    return; // nothing is loaded, and the API would refuse it anyway
  }
  document.getElementById("board").hidden = false;

  const [{ view, region }, hospital, categories] = await Promise.all([
    map("map"), api(`/api/hospitals/${encodeURIComponent(hospitalId)}`), api("/api/categories"),
  ]);
  window.satria = { map: view };
  document.getElementById("synthetic").hidden = !region.synthetic;
  document.getElementById("hospital-name").textContent = hospital.name;
  L.circleMarker([hospital.lat, hospital.lon], {
    radius: 10, weight: 3, color: "#000", fillColor: "#27ae60", fillOpacity: 1, className: "hospital own",
  }).bindTooltip(hospital.name).addTo(view);
  view.setView([hospital.lat, hospital.lon], 12);

  // --- incoming ambulances ------------------------------------------------------------------
  const incoming = new Map(); // referral id -> {data, eta_s, etaAt, marker, track}
  const byAmbulance = new Map(); // ambulance id -> referral id
  const lines = L.svg(); // tracks as SVG paths above the canvas

  function categoryLabel(code) {
    const c = categories[code];
    return c ? (lang() === "id" ? c.label_id : c.label) : code;
  }

  function patientText(p) {
    const sex = p.sex ? t(p.sex) : "";
    return [p.age_years !== null ? `${p.age_years} th` : "", sex, p.condition].filter(Boolean).join(", ");
  }

  function upsert(data) {
    let entry = incoming.get(data.referral_id);
    if (!entry) {
      entry = {
        data, eta_s: null, etaAt: 0,
        marker: L.circleMarker([0, 0], { radius: 8, weight: 2, color: "#000", fillColor: "#e67e22", fillOpacity: 1, className: "ambulance" }),
        track: L.polyline([], { color: "#e67e22", weight: 3, className: "track", renderer: lines }).addTo(view),
      };
      incoming.set(data.referral_id, entry);
    }
    entry.data = data;
    if (data.ambulance_id) byAmbulance.set(data.ambulance_id, data.referral_id);
    if (data.position) move(entry, data.position);
    render();
  }

  function move(entry, position) {
    const point = [position.lat, position.lon];
    entry.marker.setLatLng(point).bindTooltip(position.ambulance_id);
    if (!view.hasLayer(entry.marker)) entry.marker.addTo(view);
    entry.track.addLatLng(point);
    if (position.destination === "hospital" || position.eta_s !== null) {
      entry.eta_s = position.eta_s;
      entry.etaAt = Date.now();
    }
    entry.fixAt = new Date(position.fix_time).getTime();
  }

  function remove(referralId) {
    const entry = incoming.get(referralId);
    if (!entry) return;
    entry.marker.remove();
    entry.track.remove();
    incoming.delete(referralId);
    render();
  }

  let staleAfterMs = 120000; // until the feed's snapshot says the service's setting

  function remaining(entry) {
    if (entry.eta_s === null || entry.eta_s === undefined) return null;
    return entry.eta_s - (Date.now() - entry.etaAt) / 1000;
  }

  function render() {
    const list = document.getElementById("incoming");
    const entries = [...incoming.values()].sort((a, b) => (remaining(a) ?? 1e9) - (remaining(b) ?? 1e9));
    list.replaceChildren(...entries.map((entry) => {
      const d = entry.data;
      const stale = entry.fixAt && Date.now() - entry.fixAt > staleAfterMs;
      const acknowledged = Boolean(d.acknowledged_at);
      const button = el("button", {
        type: "button", class: "acknowledge", disabled: acknowledged,
        text: acknowledged ? `${t("acknowledged")} ${clock(d.acknowledged_at)}` : t("acknowledge"),
      });
      button.addEventListener("click", () => channel.send({ type: "acknowledge", referral_id: d.referral_id }));
      return el("li", { class: `card triage-${d.triage}`, "data-referral-id": d.referral_id, "data-ambulance-id": d.ambulance_id || "" },
        el("div", { class: "card-head" },
          el("span", { class: `badge triage-${d.triage}`, text: d.triage.toUpperCase() }),
          el("strong", { text: categoryLabel(d.category) }),
          el("span", { class: "eta", "data-eta": remaining(entry) ?? "", text: countdown(remaining(entry)) })),
        el("div", { class: "meta" },
          el("span", { text: `${t("ambulance")}: ${d.ambulance_id || "–"}` }),
          el("span", { class: "status", text: d.status }),
          stale ? el("span", { class: "stale", text: t("stale") }) : null),
        el("ul", { class: "patients" }, d.patients.map((p) => el("li", { text: patientText(p) }))),
        button);
    }));
    if (!entries.length) list.append(el("li", { class: "empty", text: t("no_incoming") }));
  }
  setInterval(() => {
    document.querySelectorAll("#incoming .eta").forEach((node) => {
      const entry = incoming.get(Number(node.closest("li").dataset.referralId));
      if (entry) node.textContent = countdown(remaining(entry));
    });
  }, 1000);

  const state = document.getElementById("feed-state");
  const channel = feed((message) => {
    switch (message.type) {
      case "snapshot":
        staleAfterMs = message.position_stale_after_s * 1000;
        [...incoming.keys()].forEach(remove);
        message.incoming.forEach(upsert);
        break;
      case "referral":
        upsert(message.incoming);
        break;
      case "position": {
        const referralId = byAmbulance.get(message.ambulance_id);
        const entry = incoming.get(referralId);
        if (entry) { move(entry, message); render(); }
        break;
      }
      case "status": {
        const entry = [...incoming.values()].find((e) => e.data.call_id === message.call_id);
        if (!entry) break;
        if (["closed", "cancelled"].includes(message.after) || message.hospital_id !== hospitalId) remove(entry.data.referral_id);
        else { entry.data.status = message.after; render(); }
        break;
      }
      case "arrived": {
        const entry = [...incoming.values()].find((e) => e.data.call_id === message.call_id);
        if (entry && message.at_place === "hospital") { entry.eta_s = 0; entry.etaAt = Date.now(); entry.data.status = t("arrived"); render(); }
        break;
      }
      case "acknowledged": {
        const entry = incoming.get(message.referral_id);
        if (entry) { entry.data.acknowledged_at = message.at; render(); }
        break;
      }
      default:
        break;
    }
  }, (live) => {
    state.textContent = t(live ? "live" : "offline");
    state.className = `feed-state ${live ? "live" : "offline"}`;
  });

  // --- readiness ------------------------------------------------------------------------------
  function renderReadiness(h) {
    const r = h.readiness;
    document.getElementById("beds").replaceChildren(...Object.keys(h.bed_capacity).map((kind) => {
      const value = r.beds[kind];
      return el("label", { class: "bed" },
        el("span", { text: kind.toUpperCase() }),
        el("input", { type: "number", min: 0, max: 5000, name: `beds-${kind}`, "data-kind": kind, value: value ? value.free : "" }),
        el("small", { class: `updated${value && value.stale ? " stale" : ""}`, text: `${t("updated")} ${clock(value && value.reported_at)}` }));
    }));
    document.getElementById("diversion").checked = r.on_diversion;
    document.getElementById("diversion-reason").value = r.diversion_reason || "";
    document.getElementById("diversion-updated").textContent = `${t("updated")} ${clock(r.diversion_reported_at)}`;
    document.getElementById("capabilities").replaceChildren(...h.capabilities.map((code) =>
      el("label", { class: "inline" },
        el("input", { type: "checkbox", "data-capability": code, checked: r.capabilities_down.includes(code) }),
        ` ${code}`)));
    document.getElementById("capabilities-updated").textContent = `${t("updated")} ${clock(r.capabilities_down_reported_at)}`;
  }
  renderReadiness(hospital);

  document.getElementById("readiness-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = document.getElementById("readiness-result");
    const freeBeds = {};
    document.querySelectorAll("#beds input").forEach((input) => {
      if (input.value !== "") freeBeds[input.dataset.kind] = Number(input.value);
    });
    const body = {
      free_beds: freeBeds,
      on_diversion: document.getElementById("diversion").checked,
      capabilities_down: [...document.querySelectorAll("#capabilities input:checked")].map((i) => i.dataset.capability),
    };
    const reason = document.getElementById("diversion-reason").value.trim();
    if (reason) body.diversion_reason = reason;
    try {
      renderReadiness(await api(`/api/hospitals/${encodeURIComponent(hospitalId)}/readiness`, { method: "PUT", body }));
      result.textContent = t("saved");
      result.className = "ok";
    } catch (failure) {
      result.textContent = failure.message;
      result.className = "error";
    }
  });

  languageSwitch(document.getElementById("language"), () => { render(); renderReadiness(hospital); });
  window.satria.readyMs = performance.now(); // page load, for the tests' report
  document.body.dataset.ready = "true";
});
