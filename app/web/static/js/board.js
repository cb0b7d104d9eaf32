// The hospital board: the ambulances coming to this hospital only, each with triage, category,
// patient summary, a live ETA countdown and its track; an acknowledge button; and the
// hospital's own readiness form with the time each value was last reported.
"use strict";

Satria.start(async (me) => {
  const { t, lang, api, feed, map, countdown, clock, el, tip, languageSwitch, symbolIcon, key } = Satria;
  const hospitalId = decodeURIComponent(location.pathname.split("/").pop());
  const error = document.getElementById("board-error");
  if (me.hospital_id !== hospitalId) {
    error.textContent = t("not_your_board");
    error.hidden = false;
    return; // nothing is loaded, and the API would refuse it anyway
  }
  document.getElementById("board").hidden = false;

  const [{ view, region, legend }, first, categories, terms, answerTerms] = await Promise.all([
    map("map", { legend: [["hospital", "ready", "legend_this_hospital"], ["ambulance", "assigned", "legend_incoming"], ["line", "river", "legend_river"]] }),
    api(`/api/hospitals/${encodeURIComponent(hospitalId)}`), api("/api/categories"), api("/api/capabilities"),
    api("/api/referral-answers/terms"),
  ]);
  function answerTerm(kind, code) {
    const term = (answerTerms[kind] || {})[code];
    return term ? (lang() === "id" ? term.label_id : term.label) : code;
  }
  let hospital = first; // as last reported, by this screen or another of this hospital
  function termName(kind, code) {
    const term = (terms[kind] || {})[code];
    return term ? (lang() === "id" ? term.label_id : term.label) : code;
  }
  window.satria = { map: view };
  document.getElementById("synthetic").hidden = !region.synthetic;
  document.getElementById("hospital-name").textContent = hospital.name;
  L.marker([hospital.lat, hospital.lon], { icon: symbolIcon("hospital", "ready"), keyboard: false })
    .bindTooltip(tip(hospital.name)).addTo(view);
  view.setView([hospital.lat, hospital.lon], 12);

  // --- incoming ambulances ------------------------------------------------------------------
  // Each card is built once and then updated in place: positions arrive several times a
  // second, and a card rebuilt under the nurse's finger swallows the press.
  const incoming = new Map(); // referral id -> entry
  const byAmbulance = new Map(); // ambulance id -> referral id
  const lines = L.svg(); // tracks as SVG paths above the canvas
  const PHASE_OF_STATUS = {
    dispatched: "to_scene", en_route: "to_scene", on_scene: "on_scene",
    transporting: "to_hospital", at_hospital: "at_hospital",
  };

  function categoryLabel(code) {
    const c = categories[code];
    return c ? (lang() === "id" ? c.label_id : c.label) : code;
  }

  function patientText(p) {
    const sex = p.sex ? t(p.sex) : "";
    return [p.age_years !== null ? `${p.age_years} th` : "", sex, p.condition].filter(Boolean).join(", ");
  }

  function newCard(referralId) {
    const parts = {
      badge: el("span", { class: "badge" }),
      category: el("strong", { class: "category" }),
      eta: el("span", { class: "eta" }),
      etaNote: el("small", { class: "eta-note" }),
      phase: el("span", { class: "phase" }),
      ambulance: el("span", { class: "ambulance" }),
      stale: el("span", { class: "stale", hidden: true }),
      patients: el("ul", { class: "patients" }),
      vitals: el("div", { class: "vitals", hidden: true }),
      care: el("ul", { class: "care" }),
      button: el("button", { type: "button", class: "acknowledge" }),
      sheet: el("button", { type: "button", class: "link sheet" }),
      answer: el("p", { class: "answer", role: "status" }),
      accept: el("button", { type: "button", class: "accept" }),
      decline: el("button", { type: "button", class: "decline" }),
      declineForm: el("div", { class: "decline-form", hidden: true }),
    };
    wireAnswer(referralId, parts);
    // The handover sheet (PDF), fetched with this board's key and saved for the records.
    parts.sheet.addEventListener("click", async () => {
      const callId = incoming.get(referralId).data.call_id;
      const response = await fetch(`/api/calls/${callId}/handover.pdf`, { headers: { Authorization: `Bearer ${key()}` } });
      if (!response.ok) return;
      const link = el("a", { href: URL.createObjectURL(await response.blob()), download: `serah-terima-${callId}.pdf` });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    });
    parts.button.addEventListener("click", () => channel.send({ type: "acknowledge", referral_id: referralId }));
    const card = el("li", { class: "card", "data-referral-id": referralId },
      el("div", { class: "card-head" }, parts.badge, parts.category,
        el("span", { class: "arrival" }, parts.eta, parts.etaNote)),
      el("div", { class: "meta" }, parts.phase, parts.ambulance, parts.stale),
      parts.answer, el("div", { class: "answer-buttons" }, parts.accept, parts.decline), parts.declineForm,
      parts.patients, parts.vitals, parts.care, parts.button, parts.sheet);
    return { card, parts };
  }

  // --- the answer: accept, or decline with a reason (and what the reason needs) -------------
  function wireAnswer(referralId, parts) {
    const reason = el("select", { class: "decline-reason" });
    const subject = el("select", { class: "decline-subject" });
    const subjectLabel = el("label", { hidden: true }, el("span"), " ", subject);
    const note = el("input", { class: "decline-note", maxlength: "200" });
    const send = el("button", { type: "button", class: "decline-send" });
    const problem = el("small", { class: "error", role: "alert" });
    parts.declineForm.replaceChildren(el("label", {}, el("span", { class: "decline-reason-label" }), " ", reason),
      subjectLabel, el("label", {}, el("span", { class: "decline-note-label" }), " ", note), send, problem);
    function needs() { return (answerTerms.decline_reasons[reason.value] || {}).needs || null; }
    function fillForm() {
      const chosen = reason.value;
      reason.replaceChildren(el("option", { value: "", text: t("choose") }),
        ...Object.keys(answerTerms.decline_reasons).map((code) => el("option", { value: code, text: answerTerm("decline_reasons", code) })));
      reason.value = chosen;
      const need = needs();
      subjectLabel.hidden = !["bed_kind", "specialist"].includes(need);
      if (!subjectLabel.hidden) {
        const options = need === "bed_kind" ? Object.keys(terms.bed_kinds) : Object.keys(answerTerms.specialists);
        const name = (code) => (need === "bed_kind" ? termName("bed_kinds", code) : answerTerm("specialists", code));
        const was = subject.value;
        subject.replaceChildren(...options.map((code) => el("option", { value: code, text: name(code) })));
        if (options.includes(was)) subject.value = was;
        subjectLabel.firstChild.textContent = t(`decline_subject_${need}`);
      }
      parts.declineForm.querySelector(".decline-reason-label").textContent = t("decline_reason");
      parts.declineForm.querySelector(".decline-note-label").textContent = t("decline_note");
      send.textContent = t("decline_send");
    }
    parts.fillForm = fillForm;
    reason.addEventListener("change", fillForm);
    async function answer(body) {
      problem.textContent = "";
      try {
        const referral = await api(`/api/referrals/${referralId}/answer`, { method: "POST", body });
        const entry = incoming.get(referralId);
        if (entry) Object.assign(entry.data, { answer: referral.answer, answer_reason: referral.answer_reason, acknowledged_at: referral.acknowledged_at });
        parts.declineForm.hidden = true;
        render();
      } catch (failure) {
        problem.textContent = failure.message;
      }
    }
    parts.accept.addEventListener("click", () => answer({ accept: true }));
    parts.decline.addEventListener("click", () => { fillForm(); parts.declineForm.hidden = !parts.declineForm.hidden; });
    send.addEventListener("click", () => {
      const need = needs();
      if (!reason.value || (need === "note" && !note.value.trim())) { problem.textContent = t("decline_needs"); return; }
      answer({ accept: false, reason: reason.value, subject: subjectLabel.hidden ? null : subject.value, note: note.value.trim() || null });
    });
  }

  function answerText(d) {
    if (d.rerouted) return t("rerouted_away");
    if (d.answer === "accepted") return t("answered_accepted");
    if (d.answer === "declined") return `${t("answered_declined")}: ${answerTerm("decline_reasons", d.answer_reason)}`;
    if (d.answer === "missed") return t("answered_missed");
    if (!d.answer_due_at) return "";
    const left = (new Date(d.answer_due_at).getTime() - Date.now()) / 1000;
    return `${t("answer_by")} ${clock(d.answer_due_at)} (${countdown(Math.max(left, 0))})`;
  }

  function upsert(data) {
    let entry = incoming.get(data.referral_id);
    if (!entry) {
      entry = {
        data, hospitalEta: null, etaAt: 0, estimated: false, phase: null, fixAt: 0,
        marker: L.marker([0, 0], { icon: symbolIcon("ambulance", "assigned"), keyboard: false }),
        track: L.polyline([], { color: "#e67e22", weight: 3, className: "track", renderer: lines }).addTo(view),
        ...newCard(data.referral_id), care: [],
      };
      incoming.set(data.referral_id, entry);
      loadCare(entry);
    }
    entry.data = data;
    entry.phase = PHASE_OF_STATUS[data.status] || entry.phase;
    if (data.ambulance_id) byAmbulance.set(data.ambulance_id, data.referral_id);
    if (data.position) move(entry, data.position);
    render();
  }

  function move(entry, position) {
    const point = [position.lat, position.lon];
    entry.marker.setLatLng(point);
    if (!entry.marker.getTooltip()) entry.marker.bindTooltip(tip(position.ambulance_id));
    if (!view.hasLayer(entry.marker)) entry.marker.addTo(view);
    entry.track.addLatLng(point);
    if (position.phase) entry.phase = position.phase;
    if (position.hospital_eta_s !== null && position.hospital_eta_s !== undefined) {
      entry.hospitalEta = position.hospital_eta_s;
      entry.estimated = Boolean(position.hospital_eta_estimated);
      entry.etaAt = Date.now();
    }
    entry.fixAt = new Date(position.fix_time).getTime();
  }

  // --- the record en route: the latest vital signs with their trend, alarms first to the eye
  const VITALS = [
    ["td", (v) => (v.systolic_mmhg ? `${v.systolic_mmhg}/${v.diastolic_mmhg ?? "?"}` : null), (v) => v.systolic_mmhg, "systolic_low"],
    ["pulse", (v) => v.pulse_bpm, (v) => v.pulse_bpm, null],
    ["rr", (v) => v.respiratory_rate, (v) => v.respiratory_rate, null],
    ["spo2", (v) => (v.spo2_percent ? `${v.spo2_percent}%` : null), (v) => v.spo2_percent, "spo2_low"],
    ["gcs", (v) => (v.gcs_eye ? `${v.gcs_eye + v.gcs_verbal + v.gcs_motor} (E${v.gcs_eye}V${v.gcs_verbal}M${v.gcs_motor})` : null),
      (v) => (v.gcs_eye ? v.gcs_eye + v.gcs_verbal + v.gcs_motor : null), "gcs_low"],
    ["temp", (v) => (v.temperature_c ? `${v.temperature_c}°` : null), (v) => v.temperature_c, null],
    ["glucose", (v) => v.glucose_mg_dl, (v) => v.glucose_mg_dl, null],
  ];
  async function loadCare(entry) {
    try {
      entry.care = await api(`/api/calls/${entry.data.call_id}/care`);
      renderCare(entry);
    } catch (_) { /* the feed brings the next entry anyway */ }
  }
  function careText(c) {
    const d = c.data;
    if (c.kind === "intervention") {
      const what = d.drug ? `${d.drug.name} ${d.drug.dose} ${d.drug.unit} ${d.drug.route}` : t(`care_${d.kind}`);
      return `${what}${d.detail ? ` (${d.detail})` : ""}`;
    }
    if (c.kind === "triage") return `${t("retriage")}: ${String(d.value).toUpperCase()}`;
    return d.value;
  }
  function renderCare(entry) {
    const vitals = entry.care.filter((c) => c.kind === "vitals");
    const last = vitals[vitals.length - 1];
    const before = vitals[vitals.length - 2];
    const { parts } = entry;
    parts.vitals.hidden = !last;
    if (last) {
      parts.vitals.replaceChildren(el("small", { text: `${t("vitals_at")} ${clock(last.recorded_at)}` }),
        ...VITALS.filter(([, show]) => show(last.data) !== null && show(last.data) !== undefined).map(([name, show, value, alarm]) => {
          const now = value(last.data), was = before ? value(before.data) : null;
          const trend = was === null || was === undefined || now === was ? "" : now > was ? " ↑" : " ↓";
          return el("span", { class: `vital vital-${name}${alarm && last.alarms.includes(alarm) ? " alarm" : ""}`, "data-vital": name },
            el("small", { text: t(`vital_${name}`) }), ` ${show(last.data)}${trend}`);
        }));
    }
    parts.care.replaceChildren(...entry.care.filter((c) => c.kind !== "vitals").slice(-4).map((c) =>
      el("li", { text: `${clock(c.recorded_at)} ${careText(c)}` })));
  }

  function remove(referralId) {
    const entry = incoming.get(referralId);
    if (!entry) return;
    entry.marker.remove();
    entry.track.remove();
    entry.card.remove();
    incoming.delete(referralId);
    render();
  }

  let staleAfterMs = 120000; // until the feed's snapshot says the service's setting

  // Seconds until the ambulance is at this hospital's door, counting down between positions.
  function remaining(entry) {
    if (entry.hospitalEta === null) return null;
    return entry.hospitalEta - (Date.now() - entry.etaAt) / 1000;
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function fill(entry) {
    const { data: d, parts, card } = entry;
    const left = remaining(entry);
    card.className = `card triage-${d.triage}${entry.estimated ? " estimated" : ""}`;
    card.dataset.ambulanceId = d.ambulance_id || "";
    card.dataset.phase = entry.phase || "";
    parts.badge.className = `badge triage-${d.triage}`;
    setText(parts.badge, d.triage.toUpperCase());
    setText(parts.category, categoryLabel(d.category));
    parts.eta.dataset.eta = left ?? "";
    setText(parts.eta, `${entry.estimated ? "± " : ""}${countdown(left)}`);
    const note = entry.phase === "at_hospital" ? "arrived_note"
      : left === null ? "eta_unknown" : entry.estimated ? "arrival_estimate" : "arrival_eta";
    setText(parts.etaNote, t(note));
    setText(parts.phase, t(`phase_${entry.phase || "waiting"}`));
    setText(parts.ambulance, `${t("ambulance")}: ${d.ambulance_id || "–"}`);
    parts.stale.hidden = !(entry.fixAt && Date.now() - entry.fixAt > staleAfterMs);
    setText(parts.stale, t("stale"));
    const patients = d.patients.map(patientText);
    if (parts.patients.dataset.shown !== JSON.stringify(patients)) {
      parts.patients.dataset.shown = JSON.stringify(patients);
      parts.patients.replaceChildren(...patients.map((text) => el("li", { text })));
    }
    const acknowledged = Boolean(d.acknowledged_at);
    parts.button.disabled = acknowledged;
    setText(parts.button, acknowledged ? `${t("acknowledged")} ${clock(d.acknowledged_at)}` : t("acknowledge"));
    setText(parts.sheet, t("handover_sheet"));
    parts.answer.className = `answer answer-${d.answer || "pending"}`;
    setText(parts.answer, answerText(d));
    const settled = d.answer === "accepted" || d.answer === "declined" || Boolean(d.rerouted);
    card.classList.toggle("rerouted", Boolean(d.rerouted));
    parts.accept.hidden = parts.decline.hidden = settled;
    if (settled) parts.declineForm.hidden = true;
    setText(parts.accept, t("accept"));
    setText(parts.decline, t("decline"));
  }

  // Soonest at the door first; the order changes only when it must, and never under a press.
  const list = document.getElementById("incoming");
  let pressing = false;
  list.addEventListener("pointerdown", () => { pressing = true; });
  document.addEventListener("pointerup", () => { pressing = false; setTimeout(render, 0); });
  const empty = el("li", { class: "empty" });

  function render() {
    const entries = [...incoming.values()];
    entries.forEach(fill);
    setText(empty, t("no_incoming"));
    if (pressing) return;
    entries.sort((a, b) => (remaining(a) ?? 1e9) - (remaining(b) ?? 1e9) || a.data.referral_id - b.data.referral_id);
    if (window.satria.alarmReady) updateAlarm();
    const wanted = entries.length ? entries.map((e) => e.card) : [empty];
    const shown = [...list.children];
    if (wanted.length !== shown.length || wanted.some((card, i) => card !== shown[i])) list.replaceChildren(...wanted);
  }
  setInterval(render, 1000); // the countdowns, and the order as they change

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
        if (entry) { move(entry, message); fill(entry); }
        break;
      }
      case "status": {
        const entry = [...incoming.values()].find((e) => e.data.call_id === message.call_id);
        if (!entry) break;
        if (message.after === "rerouted") {
          // Sent to another hospital: the card says so for a minute, then goes.
          entry.data.rerouted = true;
          render();
          setTimeout(() => remove(entry.data.referral_id), 60000);
        } else if (["closed", "cancelled"].includes(message.after) || message.hospital_id !== hospitalId) remove(entry.data.referral_id);
        else {
          entry.data.status = message.after;
          entry.phase = PHASE_OF_STATUS[message.after] || entry.phase;
          render();
        }
        break;
      }
      case "arrived": {
        const entry = [...incoming.values()].find((e) => e.data.call_id === message.call_id);
        if (entry && message.at_place === "hospital") {
          Object.assign(entry, { hospitalEta: 0, etaAt: Date.now(), estimated: false, phase: "at_hospital" });
          render();
        }
        break;
      }
      case "readiness":
        if (message.hospital_id === hospitalId) {
          api(`/api/hospitals/${encodeURIComponent(hospitalId)}`).then(renderReadiness).catch(() => {});
        }
        break;
      case "care": {
        const entry = [...incoming.values()].find((e) => e.data.call_id === message.call_id);
        if (entry) { entry.care.push(message); entry.care.sort((a, b) => new Date(a.recorded_at) - new Date(b.recorded_at)); renderCare(entry); }
        break;
      }
      case "referral_answer": {
        const entry = incoming.get(message.referral_id);
        if (entry) { Object.assign(entry.data, { answer: message.answer, answer_reason: message.reason }); render(); }
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
    state.dataset.t = live ? "live" : "offline"; // what a language switch shows again
    state.textContent = t(state.dataset.t);
    state.className = `feed-state ${live ? "live" : "offline"}`;
  });

  // --- the alarm: a new patient sounds until someone acknowledges or answers it ----------------
  // Web Audio, no file to fetch. Browsers start audio only after a press on the page: until
  // then the header's button says the sound is off. Muting lasts a shift (8 h) and shows.
  const SHIFT_MS = 8 * 3600000;
  const muteKey = `satria.alarm-muted-until.${hospitalId}`;
  const alarm = { context: null, timer: null, beeps: 0 };
  const soundButton = document.getElementById("sound");
  function mutedUntil() { return Number(localStorage.getItem(muteKey) || 0); }
  function muted() { return mutedUntil() > Date.now(); }
  function startSound() {
    if (!alarm.context) alarm.context = new AudioContext();
    if (alarm.context.state === "suspended") alarm.context.resume().then(updateAlarm).catch(() => {});
    updateAlarm();
  }
  soundButton.addEventListener("click", startSound);
  document.addEventListener("pointerdown", () => { if (alarm.context && alarm.context.state === "suspended") startSound(); });
  function beep() {
    const ctx = alarm.context;
    if (!ctx || ctx.state !== "running") return;
    [[0, 880], [0.4, 660]].forEach(([offset, hz]) => {
      const tone = ctx.createOscillator();
      const gain = ctx.createGain();
      tone.type = "square";
      tone.frequency.value = hz;
      const at = ctx.currentTime + offset;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.35);
      tone.connect(gain).connect(ctx.destination);
      tone.start(at);
      tone.stop(at + 0.36);
    });
    alarm.beeps += 1;
  }
  function waitingForAnswer() {
    // The most urgent first (triage colour), then the newest.
    const URGENCY = { merah: 0, kuning: 1, hijau: 2, hitam: 3 };
    return [...incoming.values()].filter((e) => !e.data.acknowledged_at && !e.data.answer && !e.data.rerouted)
      .sort((a, b) => (URGENCY[a.data.triage] ?? 9) - (URGENCY[b.data.triage] ?? 9) || b.data.referral_id - a.data.referral_id);
  }
  const banner = document.getElementById("alarm-banner");
  function updateAlarm() {
    const waiting = waitingForAnswer();
    const running = Boolean(alarm.context && alarm.context.state === "running");
    const sound = waiting.length > 0 && !muted() && running;
    if (sound && !alarm.timer) { beep(); alarm.timer = setInterval(beep, 3000); }
    if (!sound && alarm.timer) { clearInterval(alarm.timer); alarm.timer = null; }
    soundButton.hidden = running;
    setText(soundButton, t("sound_on"));
    const mutedState = document.getElementById("muted-state");
    mutedState.hidden = !muted();
    if (muted() && mutedState.dataset.until !== String(mutedUntil())) {
      mutedState.dataset.until = String(mutedUntil());
      mutedState.replaceChildren(`🔇 ${t("muted_until")} ${clock(new Date(mutedUntil()).toISOString())} `,
        el("button", { type: "button", class: "link", text: t("unmute"), onclick: () => { localStorage.removeItem(muteKey); updateAlarm(); } }));
    }
    banner.hidden = waiting.length === 0;
    document.body.classList.toggle("alarming", waiting.length > 0);
    if (waiting.length) {
      const entry = waiting[0];
      const d = entry.data;
      banner.className = `alarm-banner triage-${d.triage}`;
      const badge = document.getElementById("alarm-badge");
      badge.className = `badge triage-${d.triage}`;
      setText(badge, d.triage.toUpperCase());
      setText(document.getElementById("alarm-category"), categoryLabel(d.category));
      const left = remaining(entry);
      setText(document.getElementById("alarm-eta"), left === null ? t("eta_unknown") : `${t("arrival_eta")} ${countdown(left)}`);
      const vitals = entry.parts.vitals.hidden ? "" : entry.parts.vitals.textContent;
      setText(document.getElementById("alarm-vitals"), vitals || d.patients.map(patientText).join("; "));
      setText(document.getElementById("alarm-more"), waiting.length > 1 ? `+${waiting.length - 1} ${t("more_incoming")}` : "");
      banner.dataset.referralId = d.referral_id;
    }
    window.satria.alarm = {
      waiting: waiting.length, sounding: Boolean(alarm.timer), muted: muted(), beeps: alarm.beeps,
      context: alarm.context ? alarm.context.state : "none",
    };
  }
  document.getElementById("alarm-acknowledge").addEventListener("click", () => {
    channel.send({ type: "acknowledge", referral_id: Number(banner.dataset.referralId) });
  });
  document.getElementById("alarm-mute").addEventListener("click", () => {
    localStorage.setItem(muteKey, String(Date.now() + SHIFT_MS));
    updateAlarm();
  });
  setInterval(updateAlarm, 1000);
  window.satria.alarmReady = true;

  // --- wall screen and night theme: chosen on this screen, kept by it -------------------------
  const screenKey = `satria.board-screen.${hospitalId}`;
  const screen = { wall: false, dark: false, ...JSON.parse(localStorage.getItem(screenKey) || "{}") };
  const query = new URLSearchParams(location.search);
  if (query.has("wall")) screen.wall = query.get("wall") !== "0";
  if (query.has("theme")) screen.dark = query.get("theme") === "dark";
  function applyScreen() {
    document.body.classList.toggle("wall", screen.wall);
    document.body.classList.toggle("dark", screen.dark);
    setText(document.getElementById("wall-mode"), t(screen.wall ? "board_mode" : "wall_mode"));
    setText(document.getElementById("night"), t(screen.dark ? "day_theme" : "night_theme"));
    localStorage.setItem(screenKey, JSON.stringify(screen));
    view.invalidateSize();
  }
  document.getElementById("wall-mode").addEventListener("click", () => { screen.wall = !screen.wall; applyScreen(); });
  document.getElementById("night").addEventListener("click", () => { screen.dark = !screen.dark; applyScreen(); });
  applyScreen();

  // --- readiness ------------------------------------------------------------------------------
  function updated(iso) {
    return iso ? `${t("updated")} ${clock(iso)}` : t("never_updated");
  }

  function renderReadiness(h) {
    hospital = h;
    const r = h.readiness;
    document.getElementById("beds").replaceChildren(...Object.keys(h.bed_capacity).map((kind) => {
      const value = r.beds[kind];
      return el("label", { class: "bed" },
        el("span", { text: termName("bed_kinds", kind) }),
        el("input", { type: "number", min: 0, max: 5000, name: `beds-${kind}`, "data-kind": kind, value: value ? value.free : "" }),
        el("small", { class: `updated${value && value.stale ? " stale" : ""}`, text: updated(value && value.reported_at) }));
    }));
    document.getElementById("diversion").checked = r.on_diversion;
    document.getElementById("diversion-reason").value = r.diversion_reason || "";
    document.getElementById("diversion-updated").textContent = [
      r.on_diversion && r.diversion_since ? `${t("diversion_since")} ${clock(r.diversion_since)}` : "",
      updated(r.diversion_reported_at),
    ].filter(Boolean).join(" · ");
    document.getElementById("capabilities").replaceChildren(...h.capabilities.map((code) =>
      el("label", { class: "inline" },
        el("input", { type: "checkbox", "data-capability": code, checked: r.capabilities_down.includes(code) }),
        ` ${termName("capabilities", code)}`)));
    document.getElementById("capabilities-updated").textContent = updated(r.capabilities_down_reported_at);
    renderOnCall(r);
    renderBlood(r);
    warnStale();
  }

  // Specialists on call: the whole roster is sent once the nurse touches it (or once it has
  // been reported): a hospital that never reported one is not judged on it.
  let onCallTouched = false;
  let bloodTouched = false;
  document.getElementById("on-call-set").addEventListener("input", () => { onCallTouched = true; });
  document.getElementById("blood-set").addEventListener("input", () => { bloodTouched = true; });
  function hhmm(iso) {
    return new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false });
  }
  function renderOnCall(r) {
    document.getElementById("on-call").replaceChildren(...Object.keys(terms.specialists).map((code) => {
      const hours = r.on_call[code];
      return el("div", { class: "on-call-row", "data-specialist": code },
        el("label", { class: "inline" }, el("input", { type: "checkbox", class: "on", checked: Boolean(hours) }),
          ` ${termName("specialists", code)}`),
        el("label", { class: "inline" }, el("span", { text: t("on_call_from") }), " ",
          el("input", { type: "time", class: "from", value: hours ? hhmm(hours.start) : "" })),
        el("label", { class: "inline" }, el("span", { text: t("on_call_until") }), " ",
          el("input", { type: "time", class: "until", value: hours ? hhmm(hours.end) : "" })));
    }));
    const small = document.getElementById("on-call-updated");
    small.textContent = updated(r.on_call_reported_at);
    small.className = `updated${r.on_call_stale ? " stale" : ""}`;
    onCallTouched = false;
  }
  function renderBlood(r) {
    document.getElementById("blood").replaceChildren(...Object.keys(terms.blood_groups).map((group) =>
      el("label", { class: "blood" }, el("span", { text: group }),
        el("input", { type: "number", min: 0, max: 10000, "data-group": group, value: r.blood_units[group] ?? "" }))));
    const small = document.getElementById("blood-updated");
    small.textContent = updated(r.blood_reported_at);
    small.className = `updated${r.blood_stale ? " stale" : ""}`;
    bloodTouched = false;
  }
  // Today's time of day on this screen's clock; an end at or before its start is tomorrow.
  function onCallBody() {
    const roster = {};
    document.querySelectorAll("#on-call .on-call-row").forEach((row) => {
      if (!row.querySelector(".on").checked) return;
      const at = (value, fallback) => {
        if (!value) return fallback;
        const [h, m] = value.split(":").map(Number);
        const d = new Date();
        d.setHours(h, m, 0, 0);
        return d;
      };
      const start = at(row.querySelector(".from").value, new Date());
      let end = at(row.querySelector(".until").value, new Date(start.getTime() + 12 * 3600000));
      if (end <= start) end = new Date(end.getTime() + 24 * 3600000);
      roster[row.dataset.specialist] = { start: start.toISOString(), end: end.toISOString() };
    });
    return roster;
  }

  // Say so before the beds' report goes stale (rankings then pass this hospital over), and
  // loudly once it has.
  const WARN_BEFORE_MS = 3600000;
  function warnStale() {
    const now = Date.now();
    const beds = Object.entries(hospital.readiness.beds).map(([kind, v]) => ({ kind, at: new Date(v.stale_at).getTime() }));
    const stale = beds.filter((b) => b.at <= now);
    const soon = beds.filter((b) => b.at > now && b.at - now < WARN_BEFORE_MS).sort((a, b) => a.at - b.at);
    const names = (list) => list.map((b) => termName("bed_kinds", b.kind)).join(", ");
    const warning = document.getElementById("stale-warning");
    if (stale.length) {
      warning.textContent = `${t("beds_stale_now")}: ${names(stale)}. ${t("beds_update_now")}`;
    } else if (soon.length) {
      const minutes = Math.max(1, Math.round((soon[0].at - now) / 60000));
      warning.textContent = `${t("beds_stale_soon")} ${minutes} ${t("minutes")} (${clock(new Date(soon[0].at).toISOString())}): ${names(soon)}. ${t("beds_update_now")}`;
    }
    warning.hidden = !(stale.length || soon.length);
  }
  setInterval(warnStale, 30000);
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
    if (onCallTouched || hospital.readiness.on_call_reported_at) body.on_call = onCallBody();
    if (bloodTouched || hospital.readiness.blood_reported_at) {
      body.blood_units = {};
      document.querySelectorAll("#blood input").forEach((input) => {
        if (input.value !== "") body.blood_units[input.dataset.group] = Number(input.value);
      });
    }
    try {
      renderReadiness(await api(`/api/hospitals/${encodeURIComponent(hospitalId)}/readiness`, { method: "PUT", body }));
      result.textContent = t("saved");
      result.className = "ok";
    } catch (failure) {
      result.textContent = failure.message;
      result.className = "error";
    }
  });

  languageSwitch(document.getElementById("language"), () => {
    if (legend) legend.refresh();
    applyScreen();
    updateAlarm();
    incoming.forEach((entry) => { if (!entry.parts.declineForm.hidden) entry.parts.fillForm(); });
    render();
    renderReadiness(hospital);
  });
  window.satria.readyMs = performance.now(); // page load, for the tests' report
  document.body.dataset.ready = "true";
});
