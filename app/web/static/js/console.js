// The operator console: a map of the region's roads with hospitals, ambulances and calls;
// a call form located by a click on the map; the explained ranking with the route; one click
// to dispatch and refer; the active calls with verification and the hospital's answer.
"use strict";

Satria.start(async () => {
  const { t, lang, api, feed, map, minutes, km, clock, countdown, el, tip, languageSwitch, symbolIcon } = Satria;
  const ACTIVE = ["received", "dispatched", "en_route", "on_scene", "transporting", "at_hospital"];
  const INCIDENTS = {
    medical: ["medis", "medical"], traffic_accident: ["kecelakaan lalu lintas", "traffic accident"],
    fire: ["kebakaran", "fire"], violence: ["kekerasan", "violence"], drowning: ["tenggelam", "drowning"],
    disaster: ["bencana", "disaster"], industrial: ["kecelakaan kerja", "industrial accident"], other: ["lainnya", "other"],
  };
  let staleAfterMs = 120000; // until the feed's snapshot says the service's setting

  // Everything the page shows first is asked for at once, while the roads load.
  const ACTIVE_QUERY = ACTIVE.map((s) => `status=${s}`).join("&");
  const first = {
    categories: api("/api/categories"), terms: api("/api/capabilities"), hospitals: api("/api/hospitals"),
    answerTerms: api("/api/referral-answers/terms"),
    ambulances: api("/api/ambulances"), calls: api(`/api/calls?${ACTIVE_QUERY}&limit=200`),
  };
  const { view, region, legend: mapLegend } = await map("map", {
    legend: [
      ["hospital", "ready", "legend_hospital_ready"], ["hospital", "limited", "legend_hospital_limited"],
      ["hospital", "diversion", "legend_hospital_diversion"], ["hospital", "stale", "legend_hospital_stale"],
      ["ambulance", "available", "legend_ambulance_available"], ["ambulance", "assigned", "legend_ambulance_assigned"],
      ["ambulance", "off", "legend_ambulance_off"], ["ambulance", "stale", "legend_ambulance_stale"],
      ["call", "triage-merah", "legend_call"],
      ["line", "", "legend_route"], ["line", "route-ambulance", "legend_route_ambulance"],
      ["line", "closure", "legend_closure"], ["line", "river", "legend_river"],
    ],
  });
  window.satria = { map: view }; // for the browser tests and the curious
  document.getElementById("synthetic").hidden = !region.synthetic;

  // --- reference data ---------------------------------------------------------------------
  const categories = await first.categories;
  const terms = await first.terms;
  const answerTerms = await first.answerTerms;
  function declineName(code) {
    if (code === "no_answer") return t("reason_no_answer");
    const term = answerTerms.decline_reasons[code];
    return term ? (lang() === "id" ? term.label_id : term.label) : code;
  }
  function termName(kind, code) {
    const term = (terms[kind] || {})[code];
    return term ? (lang() === "id" ? term.label_id : term.label) : code;
  }
  // Why a hospital was passed over, from the reason's code (the API's sentence is English).
  function reasonText(r) {
    const hours = /(\d+) h/.exec(r.message);
    switch (r.code) {
      case "lacks_capability": return `${t("reason_lacks")} ${termName("capabilities", r.subject)}`;
      case "capability_down": return `${termName("capabilities", r.subject)} ${t("reason_down")}`;
      case "no_free_bed": return `${t("reason_no_bed")} ${termName("bed_kinds", r.subject)}`;
      case "readiness_stale": {
        const what = r.subject === "on_call" ? "reason_stale_on_call" : r.subject === "blood" ? "reason_stale_blood" : "reason_stale";
        return `${t(what)}${hours ? ` (${hours[1]} ${t("hours_ago")})` : ""}`;
      }
      case "no_specialist": return `${t("reason_no_specialist")} ${termName("specialists", r.subject)}${r.until ? ` (${t("reason_on_call_from")} ${clock(r.until)})` : ""}`;
      case "low_blood": return `${t("reason_low_blood")} ${r.subject}`;
      case "declined": return `${t("reason_declined")}: ${declineName(r.subject)}`;
      default: return t(`reason_${r.code}`);
    }
  }
  const categorySelect = document.getElementById("category");
  const incidentSelect = document.getElementById("incident");
  function fillSelects() {
    const chosen = categorySelect.value;
    categorySelect.replaceChildren(el("option", { value: "", text: t("choose") }), ...Object.entries(categories).map(([code, c]) =>
      el("option", { value: code, text: lang() === "id" ? c.label_id : c.label })));
    if (chosen) categorySelect.value = chosen;
    const incident = incidentSelect.value;
    incidentSelect.replaceChildren(...Object.entries(INCIDENTS).map(([code, labels]) =>
      el("option", { value: code, text: labels[lang() === "id" ? 0 : 1] })));
    if (incident) incidentSelect.value = incident;
  }
  fillSelects();
  function categoryName(code) {
    const c = categories[code];
    return c ? (lang() === "id" ? c.label_id : c.label) : code;
  }

  // --- hospitals, coloured by readiness ----------------------------------------------------
  const hospitals = new Map();
  function readiness(h) {
    const r = h.readiness;
    if (r.on_diversion) return "diversion";
    const beds = Object.values(r.beds);
    if (beds.length && beds.every((b) => b.stale)) return "stale";
    if (r.capabilities_down.length || (r.beds.igd && r.beds.igd.free === 0)) return "limited";
    return "ready";
  }
  // Each hospital's symbol is updated in place when its readiness changes (a report on the
  // feed) or ages (checked every minute): a hospital on diversion never stays green.
  function hospitalTip(h, state) {
    return tip(`${h.name} (${h.hospital_class}) — ${t(`legend_hospital_${state}`)}`);
  }
  async function loadHospitals(prefetched) {
    for (const h of await (prefetched || api("/api/hospitals"))) {
      const state = readiness(h);
      const known = hospitals.get(h.id);
      if (known) {
        if (known.state !== state) known.marker.setIcon(symbolIcon("hospital", state));
        known.marker.setTooltipContent(hospitalTip(h, state));
        Object.assign(known, h, { state });
        continue;
      }
      const marker = L.marker([h.lat, h.lon], { icon: symbolIcon("hospital", state), keyboard: false, zIndexOffset: 500 })
        .bindTooltip(hospitalTip(h, state)).addTo(view);
      marker.getElement()?.setAttribute("data-hospital-id", h.id);
      hospitals.set(h.id, { ...h, marker, state });
    }
  }
  await loadHospitals(first.hospitals);
  let hospitalsTimer = null;
  function refreshHospitals() {
    clearTimeout(hospitalsTimer);
    hospitalsTimer = setTimeout(() => loadHospitals().catch(() => {}), 300);
  }
  setInterval(refreshHospitals, 60000);

  // --- ambulances, moving live ---------------------------------------------------------------
  const ambulances = new Map();
  function placeAmbulance(id, lon, lat, at, status) {
    let a = ambulances.get(id);
    if (!a) {
      const marker = L.circleMarker([lat, lon], { radius: 6, weight: 2, color: "#1f3a93", fillOpacity: 0.9 })
        .bindTooltip(tip(id)).addTo(view);
      a = { id, marker, status: status || "available", at: null };
      ambulances.set(id, a);
    }
    if (status) a.status = status;
    if (status && status !== "out_of_service") a.offDuty = null;
    if (lon !== null && lat !== null) a.marker.setLatLng([lat, lon]);
    if (at) a.at = new Date(at).getTime();
    styleAmbulance(a);
  }
  function styleAmbulance(a) {
    const stale = !a.at || Date.now() - a.at > staleAfterMs;
    a.marker.setStyle({
      fillColor: { available: "#2e86de", assigned: "#e67e22", out_of_service: "#7f8c8d" }[a.status] || "#2e86de",
      dashArray: stale ? "2 3" : null, fillOpacity: stale ? 0.35 : 0.9,
    });
    const off = a.status === "out_of_service" ? ` — ${t("off_duty")}${a.offDuty ? `: ${t(`why_${a.offDuty}`)}` : ""}` : "";
    a.marker.setTooltipContent(tip(`${a.id}${off}${stale ? ` (${t("stale")})` : ""}`));
  }
  for (const a of await first.ambulances) {
    if (a.lon !== null) {
      placeAmbulance(a.id, a.lon, a.lat, a.position_at, a.status);
      ambulances.get(a.id).offDuty = a.off_duty_reason;
      styleAmbulance(ambulances.get(a.id));
    }
  }
  setInterval(() => ambulances.forEach(styleAmbulance), 5000);

  const lines = L.svg(); // routes and the call's marks as SVG above the canvas: few, easy to inspect

  // --- the call form: a click on the map (or typed coordinates) sets the incident -----------
  // The map sets the call's point, unless the operator has asked to pick a road-closure point:
  // that takes the next click only.
  const form = document.getElementById("call-form");
  let incident = null;
  let incidentMarker = null;
  let closurePoint = null;
  let closureMarker = null;
  let pickingClosure = false;
  // The place the call is at, in words: a place picked from the search, else the nearest
  // named place to a clicked or typed point (what the operator reads back to the caller).
  const locationName = document.getElementById("location-name");
  let nameAsked = 0;
  function sayPlace(place, near) {
    locationName.hidden = !place;
    if (!place) { locationName.textContent = ""; return; }
    const where = [place.name, place.area].filter(Boolean).join(", ");
    locationName.textContent = near ? `${t("near")} ${where} (± ${Math.round(place.distance_m)} m)` : where;
  }
  async function nameNearest(lat, lon) {
    const asked = ++nameAsked;
    sayPlace(null);
    try {
      const place = await api(`/api/places/nearest?lon=${lon}&lat=${lat}`);
      if (asked === nameAsked) sayPlace(place, true);
    } catch (_) { /* a name is a help, not a need */ }
  }
  function setIncident(lat, lon, place) {
    incident = { lon: +lon.toFixed(6), lat: +lat.toFixed(6) };
    if (place) { nameAsked++; sayPlace(place, false); } else nameNearest(incident.lat, incident.lon);
    document.getElementById("location").value = `${incident.lat.toFixed(5)}, ${incident.lon.toFixed(5)}`;
    if (incidentMarker) incidentMarker.remove();
    incidentMarker = L.circleMarker([lat, lon], {
      radius: 9, color: "#000", weight: 3, fillColor: "#ff00aa", fillOpacity: 0.8, className: "incident",
      renderer: lines, // SVG, as the routes: the few marks of the call at hand
    }).addTo(view);
  }
  function setClosurePoint(lat, lon) {
    closurePoint = { lon: +lon.toFixed(6), lat: +lat.toFixed(6) };
    document.getElementById("closure-point").textContent = `${closurePoint.lat.toFixed(5)}, ${closurePoint.lon.toFixed(5)}`;
    if (closureMarker) closureMarker.remove();
    closureMarker = L.circleMarker([lat, lon], {
      radius: 10, color: "#b71c1c", weight: 4, dashArray: "4 3", fillOpacity: 0, className: "closure-point",
      renderer: lines,
    }).addTo(view);
  }
  view.on("click", (event) => {
    if (pickingClosure) {
      pickingClosure = false;
      document.getElementById("map").classList.remove("picking");
      setClosurePoint(event.latlng.lat, event.latlng.lng);
    } else {
      setIncident(event.latlng.lat, event.latlng.lng);
    }
  });
  document.getElementById("pick-closure-point").addEventListener("click", () => {
    pickingClosure = true;
    document.getElementById("map").classList.add("picking");
  });
  // The location field takes a place name (searched as typed: arrows and Enter pick one) or
  // coordinates ("-7.3850, 109.2290", as read from a caller's phone).
  const locationInput = document.getElementById("location");
  const suggestions = document.getElementById("location-suggestions");
  const COORDINATES = /^\s*-?\d+(?:[.,]\d+)?\s*[,;\s]\s*-?\d+(?:[.,]\d+)?\s*$/;
  let found = [];
  let selected = -1;
  let searchTimer = null;
  let searchAsked = 0;
  function showSuggestions(list, query) {
    found = list;
    selected = list.length ? 0 : -1;
    suggestions.replaceChildren(...list.map((p, i) => el("li", { role: "option", "data-index": i, "aria-selected": String(i === selected) },
      el("span", { class: "name", text: p.name }), el("span", { class: "area", text: p.area }),
      el("span", { class: "kind", text: t(`place_${p.kind}`) }))));
    if (!list.length && query) suggestions.append(el("li", { class: "empty", text: `${t("no_place_found")} "${query}"` }));
    suggestions.hidden = !suggestions.children.length;
    locationInput.setAttribute("aria-expanded", String(!suggestions.hidden));
  }
  function moveSelection(step) {
    if (!found.length) return;
    selected = (selected + step + found.length) % found.length;
    suggestions.querySelectorAll("li[data-index]").forEach((li, i) => li.setAttribute("aria-selected", String(i === selected)));
    suggestions.children[selected].scrollIntoView({ block: "nearest" });
  }
  function pickPlace(place) {
    showSuggestions([]);
    formError("");
    setIncident(place.lat, place.lon, place);
    view.setView([place.lat, place.lon], Math.max(view.getZoom(), 15));
    categorySelect.focus(); // the next question to the caller
  }
  locationInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    const text = locationInput.value.trim();
    if (text.length < 2 || COORDINATES.test(text)) { showSuggestions([]); return; }
    searchTimer = setTimeout(async () => {
      const asked = ++searchAsked;
      try {
        const list = await api(`/api/places?q=${encodeURIComponent(text)}&limit=8`);
        if (asked === searchAsked) showSuggestions(list, text);
      } catch (_) { /* the next keystroke asks again */ }
    }, 120);
  });
  locationInput.addEventListener("keydown", (event) => {
    if (suggestions.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") moveSelection(event.key === "ArrowDown" ? 1 : -1);
    else if (event.key === "Enter" && found[selected]) pickPlace(found[selected]);
    else if (event.key === "Escape") showSuggestions([]);
    else return;
    event.preventDefault();
  });
  suggestions.addEventListener("mousedown", (event) => {
    const item = event.target.closest("li[data-index]");
    if (!item) return;
    event.preventDefault(); // keep the focus: the field's change must not run first
    pickPlace(found[Number(item.dataset.index)]);
  });
  locationInput.addEventListener("blur", () => setTimeout(() => showSuggestions([]), 150));
  locationInput.addEventListener("change", () => {
    if (!COORDINATES.test(locationInput.value)) {
      formError(t("location_pick_or_type"));
      return; // a name: the search list picks the place
    }
    const numbers = locationInput.value.match(/-?\d+(?:[.,]\d+)?/g) || [];
    const [a, b] = numbers.map((n) => Number(n.replace(",", ".")));
    const [lat, lon] = Math.abs(a) <= 90 && Math.abs(b) > 90 ? [a, b] : [b, a];
    const [west, south, east, north] = region.bbox;
    if (incident && Math.abs(incident.lat - lat) < 1e-5 && Math.abs(incident.lon - lon) < 1e-5) return; // as set
    if (numbers.length === 2 && lat >= south && lat <= north && lon >= west && lon <= east) {
      formError("");
      setIncident(lat, lon);
      view.panTo([lat, lon]);
    } else {
      incident = null;
      formError(t("location_outside"));
    }
  });

  function formError(message) {
    const node = document.getElementById("form-error");
    node.textContent = message || "";
    node.hidden = !message;
  }

  // Say so before the browser cuts what is typed at a field's limit.
  form.addEventListener("input", (event) => {
    const field = event.target;
    if (!field.maxLength || field.maxLength < 0) return;
    const full = field.value.length >= field.maxLength;
    field.classList.toggle("at-limit", full);
    field.title = full ? `${t("at_limit")} (${field.maxLength})` : "";
    if (full) formError(`${t("at_limit")} (${field.maxLength})`);
  });

  // Several patients: each in its own fieldset, the first one's copy for the next.
  const firstPatient = form.querySelector("fieldset.patient");
  document.getElementById("add-patient").addEventListener("click", () => {
    const next = firstPatient.cloneNode(true);
    next.querySelectorAll("[id]").forEach((node) => node.removeAttribute("id"));
    next.querySelectorAll("input").forEach((input) => { input.value = ""; });
    next.querySelectorAll("select").forEach((select) => { select.value = ""; });
    const remove = el("button", { type: "button", class: "link remove-patient", text: t("remove") });
    remove.addEventListener("click", () => next.remove());
    next.querySelector("legend").append(" ", remove);
    document.getElementById("add-patient").before(next);
    next.querySelector("input").focus();
  });
  function patients() {
    return [...form.querySelectorAll("fieldset.patient")].map((box) => {
      const value = (name) => box.querySelector(`[name="${name}"]`).value.trim();
      const patient = { condition: value("condition") || "-" };
      if (value("patient_name")) patient.name = value("patient_name");
      if (value("age")) patient.age_years = Number(value("age"));
      if (value("sex")) patient.sex = value("sex");
      return patient;
    });
  }
  function clearForm() {
    form.reset();
    form.querySelectorAll("fieldset.patient").forEach((box) => { if (box !== firstPatient) box.remove(); });
    form.querySelectorAll(".at-limit").forEach((node) => node.classList.remove("at-limit"));
    incident = null;
    if (incidentMarker) incidentMarker.remove();
    incidentMarker = null;
    nameAsked++;
    sayPlace(null);
  }

  let current = null; // the call being handled: {call, assessment, hospitalId, ambulanceId}
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError("");
    if (!incident) { formError(t("click_map")); return; }
    const caller = {};
    if (form.nik.value.trim()) caller.nik = form.nik.value.trim();
    if (form.phone.value.trim()) caller.phone = form.phone.value.trim();
    try {
      const created = await api("/api/calls", {
        method: "POST",
        body: {
          category: form.category.value, incident: form.incident.value, triage: form.triage.value,
          lon: incident.lon, lat: incident.lat, caller, patients: patients(),
        },
      });
      clearForm();
      showAssessment(created.call, created.assessment);
      refreshCalls();
    } catch (error) {
      formError(error.message);
    }
  });

  // Keyboard: Alt+N a new call, Alt+M/K/H/I the triage colour, Alt+D dispatch and refer.
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const key = event.key.toLowerCase();
    const triage = { m: "merah", k: "kuning", h: "hijau", i: "hitam" }[key];
    if (key === "n") { locationInput.focus(); locationInput.select(); }
    else if (triage) form.triage.value = triage;
    else if (key === "d") { if (!document.getElementById("dispatch").disabled) document.getElementById("dispatch").click(); }
    else return;
    event.preventDefault();
  });

  // --- the explained ranking, the route, the recommended ambulance --------------------------
  const routeLayer = L.layerGroup().addTo(view);
  async function drawRoutes() {
    routeLayer.clearLayers();
    if (!current) return;
    const origin = { lon: current.call.location.lon, lat: current.call.location.lat };
    if (current.hospitalId) {
      const route = await api("/api/routes", { method: "POST", body: { origin, hospital_id: current.hospitalId } });
      L.polyline(route.coordinates.map(([x, y]) => [y, x]), { color: "#1565c0", weight: 5, opacity: 0.8, className: "route", renderer: lines })
        .addTo(routeLayer);
    }
    const ambulance = current.assessment.ambulances.find((a) => a.ambulance_id === current.ambulanceId);
    if (ambulance) {
      const route = await api("/api/routes", { method: "POST", body: { origin: { lon: ambulance.lon, lat: ambulance.lat }, to: origin } });
      L.polyline(route.coordinates.map(([x, y]) => [y, x]), { color: "#e67e22", weight: 4, dashArray: "6 6", className: "route-ambulance", renderer: lines })
        .addTo(routeLayer);
    }
  }

  function choice(name, value, checked, onPick, ...content) {
    const input = el("input", { type: "radio", name, value, checked });
    input.addEventListener("change", () => onPick(value));
    return el("li", {}, el("label", {}, input, ...content));
  }

  function showAssessment(call, assessment) {
    const recommended = assessment.recommended_hospital && assessment.recommended_hospital.hospital.hospital_id;
    current = {
      call, assessment, recommended, hospitalId: recommended,
      ambulanceId: assessment.ambulances.length ? assessment.ambulances[0].ambulance_id : null,
    };
    document.getElementById("assessment").hidden = false;
    document.getElementById("assessment-call").textContent = `#${call.id}`;
    const ranking = assessment.ranking || { eligible: [], passed_over: [] };
    const list = document.getElementById("ranking");
    const best = ranking.eligible.find((h) => h.hospital_id === recommended) || null;
    current.etas = Object.fromEntries([...ranking.eligible, ...ranking.passed_over].map((h) => [h.hospital_id, h.eta_s]));
    current.passedOver = new Set(ranking.passed_over.map((h) => h.hospital_id));
    const extra = (h) => (best && h.hospital_id !== recommended && h.eta_s !== null
      ? el("span", { class: "extra", text: `+${Math.max(0, Math.round((h.eta_s - best.eta_s) / 60))} ${t("minutes")}` })
      : null);
    list.replaceChildren(...ranking.eligible.map((h) =>
      choice("hospital", h.hospital_id, h.hospital_id === recommended, pickHospital,
        el("span", { class: "name", text: h.name }),
        el("span", { class: "figures", text: `${minutes(h.eta_s)} · ${km(h.distance_m)}` }),
        extra(h),
        h.hospital_id === recommended ? el("em", { text: t("recommended") }) : null)));
    if (!ranking.eligible.length) list.append(el("li", { class: "error", text: t("none_eligible") }));
    // A passed-over hospital can still be chosen (the operator phoned it), with a reason.
    document.getElementById("passed-over").replaceChildren(...ranking.passed_over.map((h) =>
      choice("hospital", h.hospital_id, false, pickHospital,
        el("strong", { class: "name", text: h.name }),
        el("span", { class: "figures", text: minutes(h.eta_s) }), extra(h),
        el("span", { class: "why", text: h.reasons.map(reasonText).join("; ") }))));
    document.getElementById("ambulances").replaceChildren(...assessment.ambulances.map((a, i) =>
      choice("ambulance", a.ambulance_id, i === 0, pickAmbulance,
        el("span", { class: "name", text: a.name }),
        el("span", { class: "figures", text: `${t("eta")} ${minutes(a.eta_s)}` }),
        i === 0 ? el("em", { text: t("recommended") }) : null)));
    const busy = assessment.busy_ambulances || [];
    document.getElementById("no-unit").hidden = assessment.ambulances.length > 0;
    document.getElementById("busy-ambulances").replaceChildren(...busy.map((b) =>
      el("li", { "data-ambulance-id": b.ambulance_id },
        el("strong", { text: b.name }), ` (#${b.call_id}, ${t(`phase_${b.phase || "waiting"}`)}): `,
        b.reaches_incident_s === null
          ? t("free_unknown")
          : `${t("free_in")} ± ${minutes(b.free_in_s)}, ${t("then_here_in")} ± ${minutes(b.then_to_incident_s)}`)));
    if (!busy.length) document.getElementById("busy-ambulances").append(el("li", { text: t("no_busy_known") }));
    document.getElementById("override-box").hidden = true;
    document.getElementById("override-code").value = "";
    document.getElementById("override-text").value = "";
    document.getElementById("dispatch").disabled = !(current.hospitalId && current.ambulanceId);
    document.getElementById("dispatch-result").textContent = "";
    drawRoutes();
  }

  function pickHospital(id) {
    current.hospitalId = id;
    const overriding = id !== current.recommended;
    document.getElementById("override-box").hidden = !overriding;
    if (overriding) {
      const base = current.etas[current.recommended], mine = current.etas[id];
      const more = base !== undefined && base !== null && mine !== null ? Math.round((mine - base) / 60) : null;
      document.getElementById("override-cost").textContent = [
        more !== null ? `${t("override_costs")} +${Math.max(0, more)} ${t("minutes")}` : "",
        current.passedOver.has(id) ? t("override_passed_over") : "",
      ].filter(Boolean).join(" · ");
    }
    document.getElementById("dispatch").disabled = !(current.hospitalId && current.ambulanceId);
    drawRoutes();
  }

  // The reason for not taking the recommendation: one from the list, and words for "other".
  function overrideReason() {
    const code = document.getElementById("override-code");
    const text = document.getElementById("override-text").value.trim();
    if (!code.value || (code.value === "other" && !text)) return null;
    return [code.options[code.selectedIndex].textContent, text].filter(Boolean).join(": ");
  }

  function pickAmbulance(id) {
    current.ambulanceId = id;
    drawRoutes();
  }

  document.getElementById("dispatch").addEventListener("click", async () => {
    if (!current) return;
    const result = document.getElementById("dispatch-result");
    const callId = current.call.id;
    const referral = { hospital_id: current.hospitalId };
    if (current.hospitalId !== current.recommended) {
      referral.override_reason = overrideReason();
      if (!referral.override_reason) {
        result.textContent = t("override_needs_reason");
        result.className = "error";
        document.getElementById("override-code").focus();
        return;
      }
    }
    try {
      await api(`/api/calls/${callId}/dispatch`, { method: "POST", body: { ambulance_id: current.ambulanceId } });
      await api(`/api/calls/${callId}/referral`, { method: "POST", body: referral });
      result.textContent = `#${callId}: ${t("dispatched")}`;
      result.className = "ok";
      document.getElementById("dispatch").disabled = true;
      refreshCalls();
    } catch (error) {
      result.textContent = error.message;
      result.className = "error";
    }
  });

  // --- active calls -------------------------------------------------------------------------
  const callMarkers = L.layerGroup().addTo(view);
  let refreshTimer = null;
  function refreshCalls() {
    clearTimeout(refreshTimer);
    // A background refresh that fails (the service restarting) waits for the next event or
    // the feed's fresh snapshot on reconnection; it must not end as an uncaught error.
    refreshTimer = setTimeout(() => loadCalls().catch(() => {}), 300);
  }
  // The queue: calls waiting for an ambulance first, MERAH before KUNING, the longest
  // waiting first; each with how long it has waited (or been in its status).
  const TRIAGE_ORDER = { merah: 0, kuning: 1, hijau: 2, hitam: 3 };
  let activeCalls = [];
  function queueOrder(a, b) {
    return (a.status !== "received") - (b.status !== "received")
      || TRIAGE_ORDER[a.triage] - TRIAGE_ORDER[b.triage]
      || new Date(a.created_at) - new Date(b.created_at);
  }
  function since(iso) {
    const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return `${h ? `${h}:${String(m).padStart(2, "0")}` : m}:${String(sec).padStart(2, "0")}`;
  }
  function waitText(c) {
    return c.status === "received" ? `${t("waiting_for_unit")} ${since(c.created_at)}` : `${t(`status_${c.status}`)} ${since(c.status_at)}`;
  }
  setInterval(() => {
    document.querySelectorAll("#calls li[data-call-id]").forEach((row) => {
      const c = activeCalls.find((x) => x.id === Number(row.dataset.callId));
      if (c) row.querySelector(".waited").textContent = waitText(c);
    });
  }, 1000);

  async function loadCalls(prefetched) {
    const source = document.getElementById("source-filter").value;
    const asked = source ? api(`/api/calls?${ACTIVE_QUERY}&source=${source}&limit=200`) : prefetched;
    const calls = (await (asked || api(`/api/calls?${ACTIVE_QUERY}&limit=200`))).sort(queueOrder);
    activeCalls = calls;
    const list = document.getElementById("calls");
    callMarkers.clearLayers();
    list.replaceChildren(...calls.map((c) => {
      if (c.location.lon !== null) {
        L.marker([c.location.lat, c.location.lon], { icon: symbolIcon("call", `triage-${c.triage}`), keyboard: false, zIndexOffset: 1000 })
          .bindTooltip(tip(`#${c.id} ${categoryName(c.category)} · ${c.triage.toUpperCase()}`)).addTo(callMarkers);
      }
      const referral = c.referral;
      const hospital = referral ? (hospitals.get(referral.hospital_id) || { name: referral.hospital_id }).name : "–";
      const row = el("li", { "data-call-id": c.id, "data-status": c.status, class: `triage-${c.triage}${c.status === "received" ? " waiting" : ""}`, tabindex: 0 },
        el("div", {}, el("strong", { text: `#${c.id}` }), " ",
          el("span", { text: categoryName(c.category) }),
          el("span", { class: `badge triage-${c.triage}`, text: c.triage.toUpperCase() }),
          el("span", { class: "waited", text: waitText(c) })),
        el("div", { class: "meta" },
          c.source !== "phone_119" ? el("span", { class: `badge source source-${c.source}`, text: t(`source_${c.source}`) }) : null,
          el("span", { class: "verification", text: `${t("verification")}: ${t(`verification_${c.verification.status}`)}` }),
          c.prank ? el("span", { class: "badge prank", text: t("prank_marked") }) : null),
        el("div", { class: "meta" },
          el("span", { text: `${t("ambulance")}: ${c.dispatch ? c.dispatch.ambulance_id : "–"}` }),
          c.dispatch ? el("span", {
            class: c.dispatch.accepted_at ? "ack yes" : "ack no",
            text: c.dispatch.accepted_at ? `${t("crew_accepted")} ${clock(c.dispatch.accepted_at)}` : t("crew_not_answered"),
          }) : null,
          el("span", { text: `→ ${hospital}` }),
          referral ? answerBadge(referral) : null));
      row.addEventListener("click", () => openDetail(c.id));
      row.addEventListener("keydown", (event) => { if (event.key === "Enter") openDetail(c.id); });
      return row;
    }));
    if (!calls.length) list.append(el("li", { class: "empty", text: t("no_calls") }));
    if (detailId !== null) refreshDetail();
  }

  // A hospital's answer in a call's row: accepted, declined (why), missed, or the countdown.
  function answerBadge(referral) {
    if (referral.answer === "accepted") {
      return el("span", { class: "answer yes", text: `${t("answered_accepted")} ${clock(referral.answered_at)}` });
    }
    if (referral.answer) {
      return el("span", { class: "answer no", text: `${t("answered_declined")}: ${declineName(referral.answer_reason)}` });
    }
    const badge = el("span", { class: "answer pending", "data-due": referral.answer_due_at || "" });
    dueText(badge);
    return badge;
  }
  function dueText(badge) {
    const left = badge.dataset.due ? (new Date(badge.dataset.due).getTime() - Date.now()) / 1000 : null;
    badge.textContent = `${t("answer_waiting")}${left === null ? "" : ` (${countdown(Math.max(left, 0))})`}`;
  }
  setInterval(() => document.querySelectorAll(".calls .answer.pending").forEach(dueText), 1000);

  // A hospital declined or did not answer: say which and why, and offer the next hospital of
  // the ranking (the one that said no is left out) in one click.
  const declinedBox = document.getElementById("hospital-declined");
  function hospitalDeclined(message) {
    const name = (hospitals.get(message.hospital_id) || { name: message.hospital_id }).name;
    const why = message.answer === "missed" ? t("hospital_missed")
      : `${t("hospital_declined")}: ${declineName(message.reason)}${message.note ? ` (${message.note})` : ""}`;
    document.getElementById("hospital-declined-text").textContent = `${name} ${why} — #${message.call_id}.`;
    const send = document.getElementById("hospital-declined-send");
    send.hidden = !message.next_hospital_id;
    if (message.next_hospital_id) {
      send.textContent = `${t("send_to")} ${message.next_hospital_name} (${t("eta")} ${minutes(message.next_eta_s)})`;
      send.onclick = async () => {
        try {
          await api(`/api/calls/${message.call_id}/referral`, { method: "POST", body: { hospital_id: message.next_hospital_id } });
          declinedBox.hidden = true;
          refreshCalls();
        } catch (failure) {
          document.getElementById("hospital-declined-text").textContent = failure.message;
        }
      };
    }
    declinedBox.hidden = false;
    send.focus();
  }

  // --- one call: its timeline and what can be done with it -----------------------------------
  let detailId = null;
  const detail = document.getElementById("call-detail");
  function detailError(message) {
    const node = document.getElementById("detail-error");
    node.textContent = message || "";
    node.hidden = !message;
  }
  async function openDetail(callId) {
    detailId = callId;
    detailError("");
    detail.hidden = false;
    await refreshDetail();
    detail.scrollIntoView({ block: "nearest" });
  }
  async function refreshDetail() {
    const callId = detailId;
    const [call, steps] = await Promise.all([api(`/api/calls/${callId}`), api(`/api/calls/${callId}/timeline`)]);
    if (callId !== detailId) return;
    document.getElementById("detail-title").textContent = `#${call.id} ${categoryName(call.category)} · ${call.triage.toUpperCase()}`;
    document.getElementById("detail-summary").textContent =
      `${t(`status_${call.status}`)} · ${t("ambulance")}: ${call.dispatch ? call.dispatch.ambulance_id : "–"}`;
    const open = !["closed", "cancelled"].includes(call.status);
    document.getElementById("detail-assess").hidden = !open || ["at_hospital"].includes(call.status);
    document.getElementById("reassign-form").hidden = !["dispatched", "en_route"].includes(call.status);
    document.getElementById("cancel-form").hidden = !open;
    document.getElementById("timeline").replaceChildren(...steps.map((step) =>
      el("li", {}, el("time", { text: clock(step.at) }), " ",
        el("strong", { text: t(`action_${step.action.replace(".", "_")}`) }),
        step.actor_name ? ` — ${step.actor_name}` : "",
        stepDetail(step) ? el("div", { class: "meta", text: stepDetail(step) }) : null)));
  }
  function stepDetail(step) {
    const d = step.detail || {};
    if (step.action === "call.status") return `${t(`status_${d.before}`)} → ${t(`status_${d.after}`)}${d.reason ? `: ${d.reason}` : ""}`;
    if (step.action === "call.reassigned") return `${d.released} → ${d.ambulance_id}: ${d.reason}`;
    if (step.action === "call.referred") return `${(hospitals.get(d.hospital_id) || { name: d.hospital_id }).name}${d.override_reason ? `: ${d.override_reason}` : ""}`;
    if (step.action === "call.note") return d.text;
    return "";
  }
  document.getElementById("detail-close").addEventListener("click", () => { detailId = null; detail.hidden = true; });
  document.getElementById("detail-assess").addEventListener("click", async () => {
    const call = await api(`/api/calls/${detailId}`);
    showAssessment(call, await api(`/api/calls/${detailId}/assessment`));
    document.getElementById("assessment").scrollIntoView({ block: "start" });
  });
  async function act(action) {
    detailError("");
    try {
      await action();
      refreshCalls();
      await refreshDetail();
    } catch (failure) {
      detailError(failure.message);
    }
  }
  document.getElementById("reassign-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = document.getElementById("reassign-reason");
    act(async () => {
      await api(`/api/calls/${detailId}/reassign`, { method: "POST", body: { reason: reason.value.trim() } });
      reason.value = "";
    });
  });
  document.getElementById("cancel-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const code = document.getElementById("cancel-code");
    const text = document.getElementById("cancel-text").value.trim();
    if (code.value === "other" && !text) { detailError(t("cancel_other_needs_text")); return; }
    const reason = [code.options[code.selectedIndex].textContent, text].filter(Boolean).join(": ");
    act(async () => {
      // A prank is marked on the call too (audited): an app account with repeated pranks is
      // suspended for app calls (its phone line 119 still works).
      if (code.value === "prank") await api(`/api/calls/${detailId}/prank`, { method: "POST", body: { reason } });
      await api(`/api/calls/${detailId}/status`, { method: "POST", body: { status: "cancelled", reason, reason_code: code.value } });
    });
  });
  document.getElementById("note-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = document.getElementById("note-text");
    act(async () => {
      await api(`/api/calls/${detailId}/notes`, { method: "POST", body: { text: text.value.trim() } });
      text.value = "";
    });
  });

  // A unit freed while calls wait: say so, and open the one that has waited longest.
  function unitFreed(ambulanceId) {
    const waiting = activeCalls.filter((c) => c.status === "received").sort(queueOrder);
    const banner = document.getElementById("unit-freed");
    if (!waiting.length) { banner.hidden = true; return; }
    document.getElementById("unit-freed-text").textContent =
      `${t("unit_freed")} ${ambulanceId || ""} — ${waiting.length} ${t("calls_waiting")}`;
    banner.dataset.callId = waiting[0].id;
    banner.hidden = false;
  }
  document.getElementById("unit-freed-open").addEventListener("click", async () => {
    const banner = document.getElementById("unit-freed");
    banner.hidden = true;
    await openDetail(Number(banner.dataset.callId));
    document.getElementById("detail-assess").click();
  });

  // A crew refused: say who and why, and offer the next ambulance by ETA in one click.
  const refusedBox = document.getElementById("crew-refused");
  function crewRefused(message) {
    const known = ambulances.get(message.ambulance_id);
    if (known) { known.status = "out_of_service"; known.offDuty = message.reason; styleAmbulance(known); }
    const why = `${t(`why_${message.reason}`)}${message.note ? ` (${message.note})` : ""}`;
    document.getElementById("crew-refused-text").textContent =
      `${message.ambulance_id} ${t("crew_refused")} #${message.call_id}: ${why}.`;
    const send = document.getElementById("crew-refused-send");
    send.hidden = !message.next;
    if (message.next) {
      send.textContent = `${t("send_next")} ${message.next.name} (${t("eta")} ${minutes(message.next.eta_s)})`;
      send.onclick = async () => {
        try {
          await api(`/api/calls/${message.call_id}/dispatch`, { method: "POST", body: { ambulance_id: message.next.ambulance_id } });
          refusedBox.hidden = true;
          refreshCalls();
        } catch (failure) {
          document.getElementById("crew-refused-text").textContent = failure.message;
        }
      };
    }
    refusedBox.hidden = false;
  }

  await loadCalls(first.calls);

  // --- roads: closures and slowdowns, the traffic period, coverage -------------------------
  const restrictionLayer = L.layerGroup().addTo(view);
  async function loadRestrictions() {
    const [conditions, restrictions] = await Promise.all([
      api("/api/region/conditions"), api("/api/road-restrictions"),
    ]);
    const period = t(`period_${conditions.period}`);
    document.getElementById("period").textContent = period.startsWith("period_") ? conditions.period : period;
    restrictionLayer.clearLayers();
    const list = document.getElementById("restrictions");
    list.replaceChildren(...restrictions.map((r) => {
      const closed = r.kind === "closure";
      L.geoJSON(r.geometry, {
        renderer: lines,
        style: { color: closed ? "#b71c1c" : "#e67e22", weight: 6, dashArray: closed ? null : "8 6", fillOpacity: 0.25, className: `restriction ${r.kind}` },
        pointToLayer: (_feature, latlng) => L.circleMarker(latlng, { radius: 9, renderer: lines }),
      }).bindTooltip(tip(`${t(closed ? "closure" : "slowdown")}: ${r.reason} (${t("until")} ${clock(r.expires_at)})`))
        .addTo(restrictionLayer);
      const lift = el("button", { type: "button", class: "link", text: t("lift") });
      lift.addEventListener("click", async () => {
        await api(`/api/road-restrictions/${r.id}`, { method: "DELETE" });
        loadRestrictions();
      });
      return el("li", { "data-restriction-id": r.id, class: r.kind },
        el("strong", { text: t(closed ? "closure" : "slowdown") }), ` — ${r.reason} · ${t("until")} ${clock(r.expires_at)} `, lift);
    }));
    if (!restrictions.length) list.append(el("li", { class: "empty", text: t("no_restrictions") }));
  }
  const restrictionForm = document.getElementById("restriction-form");
  restrictionForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("restriction-error");
    error.hidden = true;
    if (!closurePoint) { error.textContent = t("restriction_hint"); error.hidden = false; return; }
    const slowdown = restrictionForm.kind.value === "slowdown";
    try {
      await api("/api/road-restrictions", {
        method: "POST",
        body: {
          kind: restrictionForm.kind.value, factor: slowdown ? 2 : null,
          geometry: { type: "Point", coordinates: [closurePoint.lon, closurePoint.lat] },
          reason: restrictionForm.reason.value.trim(),
          expires_at: new Date(Date.now() + Number(restrictionForm.hours.value) * 3600000).toISOString(),
        },
      });
      restrictionForm.reason.value = "";
      closurePoint = null;
      if (closureMarker) closureMarker.remove();
      document.getElementById("closure-point").textContent = "";
      loadRestrictions();
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    }
  });
  loadRestrictions(); // not awaited: the map and the call form come first
  setInterval(() => loadRestrictions().catch(() => {}), 15000); // expiries, colleagues' closures

  const coverageLayer = L.layerGroup().addTo(view);
  const BAND_COLOURS = ["#c0392b", "#e67e22", "#f6c85f"];
  const coverageSelect = document.getElementById("coverage-capability");
  async function loadCoverage() {
    coverageLayer.clearLayers();
    const legend = document.getElementById("coverage-legend");
    legend.replaceChildren();
    if (!coverageSelect.value) return;
    // Coverage takes seconds to compute the first time: say so, and say if it failed.
    legend.append(el("li", { class: "loading", text: t("coverage_loading") }));
    let coverage;
    try {
      coverage = await api(`/api/coverage?capability=${encodeURIComponent(coverageSelect.value)}`);
    } catch (failure) {
      legend.replaceChildren(el("li", { class: "error", text: `${t("coverage_failed")}: ${failure.message}` }));
      return;
    }
    if (coverageSelect.value !== coverage.capability) return; // changed meanwhile
    [...coverage.bands].reverse().forEach((band, i) => {
      const colour = BAND_COLOURS[coverage.bands.length - 1 - i] || "#f6c85f";
      L.geoJSON(band.geometry, {
        interactive: false, renderer: lines,
        style: { color: colour, weight: 1, fillColor: colour, fillOpacity: 0.18, className: "coverage-band" },
      }).addTo(coverageLayer);
    });
    const percent = (share) => (share === null ? "–" : `${Math.round(share * 100)}%`);
    legend.replaceChildren(...coverage.bands.map((band, i) =>
      el("li", { class: `band-${Math.min(i, 2)}` },
        `${t("within")} ${band.limit_min} ${t("minutes")}: ${percent(band.road_share)} ${t("of_roads")}, `
        + `${percent(band.population_share)} ${t("of_people")}`)));
  }
  coverageSelect.addEventListener("change", loadCoverage);

  // --- the feed: positions move markers; other events refresh the list ---------------------
  const state = document.getElementById("feed-state");
  feed((message) => {
    if (message.type === "position") {
      placeAmbulance(message.ambulance_id, message.lon, message.lat, message.fix_time, message.call_id ? "assigned" : null);
    } else if (message.type === "readiness") {
      refreshHospitals();
    } else if (message.type === "duty") {
      const known = ambulances.get(message.ambulance_id);
      if (known) {
        known.status = message.on_duty ? "available" : "out_of_service";
        known.offDuty = message.reason;
        styleAmbulance(known);
      }
      if (message.on_duty) unitFreed(message.ambulance_id); // back on duty while calls wait
    } else if (message.type === "referral_answer") {
      if (message.answer !== "accepted") hospitalDeclined(message);
      refreshCalls();
    } else if (message.type === "crew_answer") {
      if (!message.accepted) crewRefused(message);
      refreshCalls();
    } else if (message.type === "snapshot") {
      staleAfterMs = message.position_stale_after_s * 1000;
      for (const c of message.calls) {
        if (c.position) placeAmbulance(c.position.ambulance_id, c.position.lon, c.position.lat, c.position.fix_time, "assigned");
      }
      refreshCalls();
    } else {
      if (message.type === "status" && ["closed", "cancelled"].includes(message.after)) {
        setTimeout(() => unitFreed(message.ambulance_id), 600); // once the list is fresh
      }
      refreshCalls();
    }
  }, (live) => {
    state.dataset.t = live ? "live" : "offline"; // what a language switch shows again
    state.textContent = t(state.dataset.t);
    state.className = `feed-state ${live ? "live" : "offline"}`;
  });

  document.getElementById("source-filter").addEventListener("change", () => loadCalls());
  languageSwitch(document.getElementById("language"), () => {
    if (mapLegend) mapLegend.refresh();
    loadHospitals().catch(() => {});
    fillSelects();
    loadCalls();
    loadRestrictions();
    loadCoverage();
    if (current) showAssessment(current.call, current.assessment);
  });
  // A link from the reports (/console#call=123) opens that call's timeline.
  const linked = /^#call=(\d+)$/.exec(location.hash);
  if (linked) openDetail(Number(linked[1])).catch((failure) => detailError(failure.message));
  window.satria.readyMs = performance.now(); // page load, for the tests' report
  document.body.dataset.ready = "true";
});
