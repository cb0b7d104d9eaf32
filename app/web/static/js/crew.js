// The crew's app, on a phone in a moving ambulance with a poor signal: the assignment with its
// address, patients and destination; accept or refuse; a large button for each step; GPS sent
// over the crew socket with acknowledgements. Every fix not yet acknowledged is kept in
// IndexedDB and sent again (the backfill route) when the link returns, in order, even after the
// app was closed: the service stores a fix once, however often it is sent.
"use strict";

(() => {
  const { t, lang, api, applyTexts, languageSwitch, el, map, minutes, km, symbolIcon } = Satria;
  const KEY = "satria.crew.key"; // kept on the phone: the app is reopened from the home screen
  const STEPS = {
    dispatched: ["en_route", "step_en_route"], en_route: ["on_scene", "step_on_scene"],
    on_scene: ["transporting", "step_transporting"], transporting: ["at_hospital", "step_at_hospital"],
    at_hospital: ["closed", "step_handover"],
  };
  let key = localStorage.getItem(KEY);
  let me = null;
  let assignment = null;
  let categories = {};
  const hospitals = new Map(); // id -> {name, lat, lon}, asked once
  async function hospital(id) {
    if (!hospitals.has(id)) hospitals.set(id, await api(`/api/hospitals/${encodeURIComponent(id)}`, { withKey: key }));
    return hospitals.get(id);
  }

  const $ = (id) => document.getElementById(id);
  function showError(message) {
    $("crew-error").textContent = message || "";
    $("crew-error").hidden = !message;
  }

  // --- the outbox: fixes not yet acknowledged, in IndexedDB -------------------------------
  const outbox = (() => {
    const opened = new Promise((resolve, reject) => {
      const request = indexedDB.open("satria-crew", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("fixes", { keyPath: "seq", autoIncrement: true });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    async function run(mode, work) {
      const db = await opened;
      return new Promise((resolve, reject) => {
        const tx = db.transaction("fixes", mode);
        const result = work(tx.objectStore("fixes"));
        tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
        tx.onerror = () => reject(tx.error);
      });
    }
    return {
      add: (fix) => run("readwrite", (store) => store.add({ fix })),
      all: () => run("readonly", (store) => store.getAll()),
      remove: (seqs) => run("readwrite", (store) => { seqs.forEach((seq) => store.delete(seq)); }),
      count: () => run("readonly", (store) => store.count()),
    };
  })();
  let sent = 0;
  async function showCounts() {
    $("fixes-waiting").textContent = String(await outbox.count());
    $("fixes-sent").textContent = String(sent);
  }

  // --- the link: the crew socket, and the backfill route for what waited ------------------
  let socket = null;
  let flushed = false; // live fixes go on the socket only once the outbox is empty
  let delayMs = 1000;
  function linkState(live) {
    const node = $("link-state");
    node.dataset.t = live ? "live" : "offline";
    node.textContent = t(node.dataset.t);
    node.className = `feed-state ${live ? "live" : "offline"}`;
  }
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/crew`);
    flushed = false;
    socket.onopen = async () => {
      socket.send(JSON.stringify({ type: "auth", key }));
      delayMs = 1000;
      linkState(true);
      try {
        await flush();
      } catch (_) { /* the link dropped meanwhile: the next connection flushes again */ }
    };
    socket.onmessage = async (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "ack") {
        unackedSince = null;
        await outbox.remove([message.seq]);
        sent += message.stored + message.duplicates;
        showCounts();
      } else if (message.type === "error") {
        showError(message.detail || message.message || "");
      }
    };
    socket.onclose = (event) => {
      linkState(false);
      flushed = false;
      unackedSince = null;
      if (event.code === 1008) { signOut(); return; }
      setTimeout(connect, delayMs);
      delayMs = Math.min(delayMs * 2, 15000);
    };
  }
  // What waited (this session's and any earlier one's) goes first, in order, in batches.
  async function flush() {
    for (;;) {
      const waiting = (await outbox.all()).slice(0, 500);
      if (!waiting.length) break;
      const answer = await api(`/api/ambulances/${encodeURIComponent(me.ambulance_id)}/fixes`, {
        method: "POST", withKey: key, body: { fixes: waiting.map((item) => item.fix) },
      });
      await outbox.remove(waiting.map((item) => item.seq));
      sent += answer.stored + answer.duplicates;
      showCounts();
    }
    flushed = true;
  }
  // A link can look open while nothing gets through (a tunnel, a dead cell): a fix not
  // acknowledged within 15 s, or the phone saying it is offline, closes it; it reconnects.
  let unackedSince = null;
  async function record(fix) {
    const seq = await outbox.add(fix); // kept before it is sent: a dropped link loses nothing
    showCounts();
    if (socket && socket.readyState === WebSocket.OPEN && flushed) {
      socket.send(JSON.stringify({ type: "fix", seq, fix }));
      unackedSince = unackedSince || Date.now();
    }
  }
  setInterval(() => {
    if (unackedSince && Date.now() - unackedSince > 15000 && socket) socket.close();
  }, 5000);
  window.addEventListener("offline", () => { if (socket) socket.close(); });

  // --- the map: where to go, by Satria's own roads (loaded once a mission begins) -------------
  let here = null; // the phone's last position
  let mapView = null;
  let routeLayer = null;
  let routed = { to: null, from: null, at: 0 };
  async function showRoute(target) {
    if (!here || typeof L === "undefined") return;
    if (!mapView) {
      ({ view: mapView } = await map("crew-map"));
      routeLayer = L.layerGroup().addTo(mapView);
    }
    const goal = `${target.lat},${target.lon}`;
    const moved = routed.from ? Math.hypot(here.lat - routed.from.lat, here.lon - routed.from.lon) * 111000 : Infinity;
    if (routed.to === goal && moved < 200 && Date.now() - routed.at < 60000) return;
    routed = { to: goal, from: here, at: Date.now() };
    const route = await api("/api/routes", {
      method: "POST", withKey: key, body: { origin: { lon: here.lon, lat: here.lat }, to: { lon: target.lon, lat: target.lat } },
    }).catch(() => null);
    if (!route) return;
    routeLayer.clearLayers();
    const line = L.polyline(route.coordinates.map(([x, y]) => [y, x]), {
      color: "#1565c0", weight: 6, opacity: 0.85, className: "route", renderer: L.svg(),
    }).addTo(routeLayer);
    L.marker([target.lat, target.lon], { icon: symbolIcon(target.hospital ? "hospital" : "call", target.hospital ? "ready" : "triage-merah") }).addTo(routeLayer);
    L.circleMarker([here.lat, here.lon], { radius: 7, color: "#111", weight: 2, fillColor: "#e67e22", fillOpacity: 1 }).addTo(routeLayer);
    mapView.fitBounds(line.getBounds().pad(0.15), { animate: false, maxZoom: 16 });
    $("route-summary").textContent = `${minutes(route.eta_s)} · ${km(route.length_m)}`;
  }

  // --- GPS ----------------------------------------------------------------------------------
  function watchGps() {
    if (!navigator.geolocation) { showError(t("gps_unavailable")); return; }
    navigator.geolocation.watchPosition((position) => {
      if ($("crew-error").dataset.gps) { showError(""); delete $("crew-error").dataset.gps; }
      const c = position.coords;
      here = { lon: c.longitude, lat: c.latitude };
      $("gps-accuracy").textContent = `± ${Math.round(c.accuracy)} m`;
      const number = (value) => (value === null || Number.isNaN(value) ? null : value);
      record({
        lon: c.longitude, lat: c.latitude, fix_time: new Date(position.timestamp).toISOString(),
        speed_mps: number(c.speed), heading_deg: number(c.heading), accuracy_m: number(c.accuracy),
      });
    }, (failure) => {
      // Said until the next position comes (a timeout in a tunnel is not a broken phone).
      showError([t("gps_unavailable"), failure.message].filter(Boolean).join(": "));
      $("crew-error").dataset.gps = "1";
    }, {
      enableHighAccuracy: true, maximumAge: 0, timeout: 60000,
    });
  }
  // The screen stays on while on a mission (the crew glances at it; the GPS keeps running).
  let wakeLock = null;
  async function keepAwake(on) {
    if (!("wakeLock" in navigator)) return;
    if (on && !wakeLock) wakeLock = await navigator.wakeLock.request("screen").catch(() => null);
    if (!on && wakeLock) { wakeLock.release(); wakeLock = null; }
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && assignment) { wakeLock = null; keepAwake(true); }
  });

  // --- the assignment -----------------------------------------------------------------------
  async function refresh() {
    let answer;
    try {
      answer = await api("/api/crew/assignment", { withKey: key });
    } catch (failure) {
      if (failure.status === 401) signOut();
      return; // offline: the last known assignment stays on screen
    }
    assignment = answer.call;
    const destination = assignment && assignment.referral
      ? await hospital(assignment.referral.hospital_id).catch(() => null) : null;
    render(answer, destination);
  }
  function render(answer, destination) {
    const unit = answer.ambulance;
    $("unit-name").textContent = unit ? unit.name : me.ambulance_id;
    const off = unit && unit.status === "out_of_service";
    $("duty-state").textContent = off ? `${t("off_duty")}${unit.off_duty_reason ? `: ${t(`why_${unit.off_duty_reason}`)}` : ""}` : t("on_duty");
    $("duty-state").className = `badge ${off ? "off" : "on"}`;
    $("no-assignment").hidden = Boolean(assignment);
    $("assignment").hidden = !assignment;
    $("go-off-duty").hidden = off;
    $("off-duty-reason").hidden = off;
    $("go-on-duty").hidden = !off;
    keepAwake(Boolean(assignment));
    if (!assignment) return;
    const c = assignment;
    $("a-badge").className = `badge triage-${c.triage}`;
    $("a-badge").textContent = c.triage.toUpperCase();
    const category = categories[c.category];
    $("a-category").textContent = category ? (lang() === "id" ? category.label_id : category.label) : c.category;
    $("a-id").textContent = `#${c.id}`;
    $("a-address").textContent = answer.address || `${c.location.lat.toFixed(5)}, ${c.location.lon.toFixed(5)}`;
    $("a-patients").replaceChildren(...c.patients.map((p) => el("li", {
      text: [p.age_years !== null ? `${p.age_years} th` : "", p.sex ? t(p.sex) : "", p.condition].filter(Boolean).join(", "),
    })));
    $("a-hospital").textContent = destination ? destination.name : (c.referral ? c.referral.hospital_id : "–");
    // The hospital's answer: accepted (go), declined or unanswered (the operator is choosing
    // another; keep going until the destination changes), or awaited.
    const said = c.referral ? c.referral.answer : null;
    $("a-hospital-answer").textContent = !c.referral ? "" : said === "accepted" ? `✓ ${t("crew_hospital_accepted")}`
      : said ? `⚠ ${t("crew_hospital_declined")}` : t("crew_hospital_waiting");
    $("a-hospital-answer").className = `hospital-answer ${said || "waiting"}`;
    // To the scene first; to the hospital once the patient is on board.
    const target = ["transporting", "at_hospital"].includes(c.status) && destination ? destination : c.location;
    $("a-navigate").href = `geo:${target.lat},${target.lon}?q=${target.lat},${target.lon}`;
    showRoute({ lon: target.lon, lat: target.lat, hospital: target !== c.location }).catch(() => {});
    const waitingAnswer = c.status === "dispatched" && !(c.dispatch && c.dispatch.accepted_at);
    $("answer").hidden = !waitingAnswer;
    const step = STEPS[c.status];
    $("steps").replaceChildren(...(step && !waitingAnswer ? [el("button", {
      type: "button", class: "step", "data-status": step[0], text: t(step[1]),
      onclick: () => act(() => api(`/api/calls/${c.id}/status`, { method: "POST", withKey: key, body: { status: step[0] } })),
    })] : []));
  }
  async function act(action) {
    showError("");
    try {
      await action();
    } catch (failure) {
      showError(failure.message);
    }
    await refresh();
  }
  $("accept").addEventListener("click", () => act(() =>
    api("/api/crew/assignment/answer", { method: "POST", withKey: key, body: { accept: true } })));
  $("refuse").addEventListener("click", () => {
    const reason = $("refusal-reason").value;
    const note = $("refusal-note").value.trim();
    if (!reason || (reason === "other" && !note)) { showError(t("refusal_needs_reason")); return; }
    act(() => api("/api/crew/assignment/answer", {
      method: "POST", withKey: key, body: { accept: false, reason, note: note || null },
    }));
  });
  $("go-off-duty").addEventListener("click", () => {
    const reason = $("off-duty-reason").value;
    if (!reason) { showError(t("refusal_needs_reason")); return; }
    act(() => api("/api/crew/duty", { method: "POST", withKey: key, body: { on_duty: false, reason } }));
  });
  $("go-on-duty").addEventListener("click", () =>
    act(() => api("/api/crew/duty", { method: "POST", withKey: key, body: { on_duty: true } })));

  // --- the record en route: vitals and interventions, kept until the service has them -------
  const CARE = "satria.crew.care"; // entries not yet stored (the phone may be offline)
  function pendingCare() { return JSON.parse(localStorage.getItem(CARE) || "[]"); }
  let careSent = 0;
  async function sendCare() {
    const pending = pendingCare();
    if (!pending.length) return;
    while (pending.length) {
      const [callId, body] = pending[0];
      try {
        await api(`/api/calls/${callId}/care`, { method: "POST", withKey: key, body });
      } catch (failure) {
        if (failure.status && failure.status < 500) { showError(failure.message); } else break;
      }
      pending.shift(); // stored, or refused for good (said above): not sent again
      careSent += 1;
      localStorage.setItem(CARE, JSON.stringify(pending));
    }
    $("care-result").textContent = pending.length
      ? `${pending.length} ${t("entries_waiting")}` : `${careSent} ${t("care_sent")}`;
  }
  function recordCare(body) {
    if (!assignment) return;
    const pending = pendingCare();
    pending.push([assignment.id, { recorded_at: new Date().toISOString(), ...body }]);
    localStorage.setItem(CARE, JSON.stringify(pending));
    sendCare();
  }
  $("vitals-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const vitals = {};
    for (const input of event.target.querySelectorAll("input")) {
      if (input.value !== "") vitals[input.name] = input.name === "temperature_c" ? Number(input.value) : Math.round(Number(input.value));
    }
    if (!Object.keys(vitals).length) return;
    recordCare({ vitals });
    event.target.reset();
  });
  document.querySelectorAll("[data-intervention]").forEach((button) => button.addEventListener("click", () =>
    recordCare({ intervention: { kind: button.dataset.intervention } })));
  window.addEventListener("online", sendCare);

  // --- signing in ---------------------------------------------------------------------------
  function signOut() {
    localStorage.removeItem(KEY);
    location.reload();
  }
  // A scanned enrolment QR code opens /crew/#enrol=CODE: the code is exchanged once for the
  // crew's key, and leaves the address bar.
  async function enrol() {
    const code = new URLSearchParams(location.hash.slice(1)).get("enrol");
    if (!code) return;
    history.replaceState(null, "", location.pathname);
    try {
      const answer = await api("/api/crew/enrolment", { method: "POST", withKey: "", body: { code } });
      key = answer.key;
      localStorage.setItem(KEY, key);
    } catch (failure) {
      $("sign-in-error").textContent = failure.status === 404 ? t("enrol_code_spent") : failure.message;
      $("sign-in-error").hidden = false;
    }
  }
  async function start() {
    applyTexts();
    await enrol();
    languageSwitch($("language"), () => { if (me) refresh(); });
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/crew/sw.js", { scope: "/crew/" }).catch(() => {});
    if (key) {
      try {
        me = await api("/api/me", { withKey: key });
        localStorage.setItem("satria.crew.me", JSON.stringify(me));
      } catch (failure) {
        if (failure.status === 401) { signOut(); return; }
        me = JSON.parse(localStorage.getItem("satria.crew.me") || "null"); // offline: as last known
      }
    }
    if (!key || !me || me.role !== "crew") {
      $("sign-in").hidden = false;
      document.body.dataset.ready = "true";
      return;
    }
    $("crew").hidden = false;
    categories = await api("/api/categories").catch(() => ({}));
    $("unit-name").textContent = me.ambulance_id;
    showCounts();
    connect();
    watchGps();
    await refresh();
    sendCare();
    setInterval(refresh, 10000);
    document.body.dataset.ready = "true";
  }
  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = $("crew-key").value.trim();
    try {
      const who = await api("/api/me", { withKey: typed });
      if (who.role !== "crew" || !who.ambulance_id) throw new Error(t("error_role"));
      localStorage.setItem(KEY, typed);
      location.reload();
    } catch (failure) {
      $("sign-in-error").textContent = failure.status === 401 ? t("error_key") : failure.message;
      $("sign-in-error").hidden = false;
    }
  });
  start();
})();
