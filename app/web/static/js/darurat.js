// The public's door, on a citizen's phone: register with NIK and phone (a code confirms the
// phone), then one large button, the kind of emergency, and the phone's GPS point (or a
// district and an address when GPS is refused). While help comes: the status in plain words,
// the ambulance on the map with its ETA until it arrives, and first aid for what happened.
"use strict";

(() => {
  const { t, api, applyTexts, languageSwitch, el, map, minutes, symbolIcon, lang } = Satria;
  const KEY = "satria.public.key";
  const LAST = "satria.public.last-call";
  const DEVICE = "satria.public.device";
  const $ = (id) => document.getElementById(id);
  let key = localStorage.getItem(KEY);
  let kinds = {};
  let chosenKind = null;
  let position = null; // the phone's point {lon, lat, accuracy_m}, or null
  if (!localStorage.getItem(DEVICE)) localStorage.setItem(DEVICE, crypto.randomUUID());

  function show(section) {
    ["register", "confirm", "home", "kinds", "follow"].forEach((id) => { $(id).hidden = id !== section; });
  }
  function problem(id, message) { $(id).textContent = message || ""; $(id).hidden = !message; }

  // --- registration: NIK, name, phone; a code to the phone -----------------------------------
  let pendingCitizen = null;
  $("register-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    problem("register-error", "");
    try {
      const made = await api("/api/public/register", { method: "POST", withKey: "", body: {
        nik: $("r-nik").value.trim(), name: $("r-name").value.trim(), phone: $("r-phone").value.trim(),
        address: $("r-address").value.trim() || null, emergency_contact: $("r-contact").value.trim() || null,
      } });
      pendingCitizen = made.citizen_id;
      $("code-phone").textContent = made.phone_masked;
      show("confirm");
      $("c-code").focus();
    } catch (failure) { problem("register-error", failure.message); }
  });
  $("confirm-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    problem("confirm-error", "");
    try {
      const issued = await api("/api/public/confirm", { method: "POST", withKey: "",
        body: { citizen_id: pendingCitizen, code: $("c-code").value.trim() } });
      key = issued.key;
      localStorage.setItem(KEY, key);
      await home();
    } catch (failure) { problem("confirm-error", failure.message); }
  });

  // --- home: the button ----------------------------------------------------------------------
  async function home() {
    let me;
    try {
      me = await api("/api/public/me", { withKey: key });
    } catch (failure) {
      if (failure.status === 401 || failure.status === 404) { localStorage.removeItem(KEY); key = null; show("register"); return; }
      throw failure;
    }
    $("me-nik").textContent = me.nik_masked || "";
    $("me-verification").textContent = t(`public_verification_${me.verification}`);
    $("me-verification").className = `badge verification-${me.verification}`;
    $("last-call").hidden = !localStorage.getItem(LAST);
    show("home");
  }
  $("sos").addEventListener("click", () => {
    chosenKind = null;
    $("send").disabled = true;
    renderKinds();
    show("kinds");
    locate();
  });
  $("open-last").addEventListener("click", () => follow(Number(localStorage.getItem(LAST))));
  $("delete-account").addEventListener("click", async () => {
    if (!window.confirm(t("public_delete_confirm"))) return;
    await api("/api/public/me", { method: "DELETE", withKey: key });
    localStorage.removeItem(KEY);
    localStorage.removeItem(LAST);
    key = null;
    show("register");
  });

  // --- what happened, and where --------------------------------------------------------------
  function renderKinds() {
    $("kind-buttons").replaceChildren(...Object.entries(kinds).map(([code, k]) => el("button", {
      type: "button", class: `kind${code === chosenKind ? " chosen" : ""}`, "data-kind": code,
      text: lang() === "id" ? k.label_id : k.label,
      onclick: () => { chosenKind = code; renderKinds(); $("send").disabled = false; },
    })));
  }
  function locate() {
    position = null;
    $("gps-state").textContent = t("public_gps_looking");
    if (!navigator.geolocation) { noGps(); return; }
    navigator.geolocation.getCurrentPosition((found) => {
      position = { lon: found.coords.longitude, lat: found.coords.latitude, accuracy_m: Math.round(found.coords.accuracy) };
      $("gps-state").textContent = `${t("public_gps_found")} (± ${position.accuracy_m} m)`;
      $("no-gps").hidden = true;
    }, noGps, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  }
  async function noGps() {
    $("gps-state").textContent = "";
    $("no-gps").hidden = false;
    if (!$("e-district").options.length) {
      const districts = await fetch("/api/region/districts").then((r) => r.json());
      $("e-district").replaceChildren(el("option", { value: "", text: t("choose") }),
        ...districts.map((d) => el("option", { value: d.code, text: d.name })));
    }
  }
  $("send").addEventListener("click", async () => {
    problem("send-error", "");
    const body = {
      kind: chosenKind, people_hurt: Number($("e-people").value) || 1, text: $("e-text").value.trim() || null,
      device: localStorage.getItem(DEVICE),
    };
    if (position) Object.assign(body, position);
    else {
      if (!$("e-district").value) { problem("send-error", t("public_need_place")); return; }
      Object.assign(body, { district_code: $("e-district").value, address: $("e-address").value.trim() || null });
    }
    $("send").disabled = true;
    try {
      const call = await api("/api/public/emergency", { method: "POST", withKey: key, body });
      localStorage.setItem(LAST, String(call.call_id));
      localStorage.setItem(`${LAST}.kind`, chosenKind);
      follow(call.call_id);
    } catch (failure) {
      problem("send-error", failure.message);
      $("send").disabled = false;
    }
  });

  // --- following the response ------------------------------------------------------------------
  const STEPS = ["diterima", "ambulans_berangkat", "ambulans_tiba", "dibawa_ke_rs"];
  let view = null;
  let timer = null;
  let callMarker = null;
  let ambulanceMarker = null;
  let mapping = null; // the map being drawn
  let lastCall = null;
  async function follow(callId) {
    show("follow");
    const kind = kinds[localStorage.getItem(`${LAST}.kind`)] || kinds.lainnya;
    $("first-aid").replaceChildren(...(kind ? kind.first_aid : []).map((line) => el("li", { text: line })));
    // The status first, the map when its roads arrive: on a weak signal the roads take long,
    // and "received" must not wait for them.
    if (!view && !mapping) {
      mapping = map("map").then((drawn) => { view = drawn.view; if (lastCall) render(lastCall); });
    }
    clearInterval(timer);
    const refresh = async () => {
      let call;
      try { call = await api(`/api/public/calls/${callId}`, { withKey: key }); } catch (_) { return; } // offline: keep the screen
      render(call);
    };
    await refresh();
    timer = setInterval(refresh, 3000);
  }
  function render(call) {
    lastCall = call;
    const reached = STEPS.indexOf(call.status);
    $("steps").replaceChildren(...STEPS.map((step, i) => el("li", {
      class: i < reached ? "done" : i === reached ? "now" : "", "data-step": step, text: t(`public_step_${step}`),
    })));
    if (["selesai", "dibatalkan"].includes(call.status)) {
      $("steps").append(el("li", { class: "now", "data-step": call.status, text: t(`public_step_${call.status}`) }));
    }
    document.body.dataset.callStatus = call.status;
    const coming = call.ambulance_lat !== null;
    $("eta").textContent = coming && call.ambulance_eta_s !== null
      ? `${t("public_eta")} ${minutes(call.ambulance_eta_s)}`
      : call.status === "ambulans_berangkat" ? t("public_eta_unknown") : "";
    if (!view) return; // the map is still loading: it draws this call when it is there
    if (call.lat !== null && !callMarker) {
      callMarker = L.marker([call.lat, call.lon], { icon: symbolIcon("call", "triage-merah"), keyboard: false }).addTo(view);
      view.setView([call.lat, call.lon], 14);
    }
    if (coming) {
      const point = [call.ambulance_lat, call.ambulance_lon];
      if (!ambulanceMarker) ambulanceMarker = L.marker(point, { icon: symbolIcon("ambulance", "assigned"), keyboard: false }).addTo(view);
      else ambulanceMarker.setLatLng(point);
      if (callMarker) view.fitBounds(L.latLngBounds([point, callMarker.getLatLng()]).pad(0.3), { maxZoom: 15 });
    } else if (ambulanceMarker) { ambulanceMarker.remove(); ambulanceMarker = null; }
  }
  $("back-home").addEventListener("click", () => { clearInterval(timer); home(); });

  // --- start ------------------------------------------------------------------------------------
  languageSwitch($("language"), () => { renderKinds(); if (key && !$("home").hidden) home(); });
  applyTexts();
  (async () => {
    const [loaded, region] = await Promise.all([
      fetch("/api/public/emergency-kinds").then((r) => r.json()),
      fetch("/api/region").then((r) => r.json()),
    ]);
    $("synthetic").hidden = !region.synthetic; // the demo's map and hospitals are invented
    kinds = loaded.kinds;
    $("first-aid-review").textContent = loaded.review.startsWith("draft") ? t("public_first_aid_draft") : "";
    if (key) await home(); else show("register");
    document.body.dataset.ready = "true";
  })();
})();
