// Response-time reports for a PSC coordinator and the health office: where the minutes of the
// calls went, against the targets, over a month or a quarter. One request paints the page
// (/api/reports/dashboard); the charts are Chart.js (vendored), the map is Leaflet.
"use strict";

(() => {
  const { t, lang, api, el, addTexts, languageSwitch, start } = Satria;

  addTexts({
    id: {
      title_reports: "Laporan Waktu Tanggap", report_period: "Periode", report_interval: "Interval",
      report_download: "Unduh CSV panggilan", report_headline: "Ringkasan periode",
      report_headline_hint: "Median: separuh panggilan lebih cepat dari ini. P90: 9 dari 10 panggilan dalam waktu ini. Hijau: ≥90% panggilan dalam target, kuning: ≥75%, merah: kurang.",
      report_counts: "Yang tidak berjalan sesuai rencana", report_last_30: "30 hari terakhir",
      report_last_90: "90 hari terakhir", report_calls_n: "panggilan", report_median: "median",
      report_p90: "P90", report_within: "dalam target", report_no_target: "tanpa target",
      report_by_week: "per minggu", report_by_shift: "per sif (WIB)", report_by_district: "per kecamatan (median)",
      report_by_post: "per pos ambulans", report_by_hospital: "per rumah sakit tujuan",
      report_slowest: "Panggilan paling lama", report_call: "Panggilan", report_taken: "Diterima (WIB)",
      report_district: "Kecamatan", report_eta_error: "Tiba vs ETA", report_steps: "langkah", report_handed_over: "serah terima selesai",
      report_open_console: "buka di konsol", report_target: "target", report_loading: "memuat…",
      report_loaded: "dimuat dalam", report_synthetic: "DATA SINTETIS — {n} dari {all} panggilan dibuat simulator",
      report_none: "tidak ada", report_unspecified: "tanpa kode", report_later: "lebih lambat", report_sooner: "lebih cepat",
      report_week_of: "minggu mulai", report_no_hospital: "tanpa rumah sakit (batal, ditangani di lokasi)",
      interval_handling: "Penanganan panggilan (diterima → ambulans dikirim)",
      interval_turnout: "Waktu berangkat (dikirim → berangkat)",
      interval_response: "Waktu tanggap (diterima → tiba di lokasi)",
      interval_on_scene: "Waktu di lokasi", interval_transport: "Waktu transportasi (lokasi → RS)",
      interval_handover: "Serah terima di RS", interval_total: "Total (diterima → serah terima)",
      kind_calls: "Panggilan", kind_synthetic: "Sintetis", kind_cancelled: "Dibatalkan", kind_prank: "Panggilan palsu",
      kind_crew_refusal: "Ditolak kru", kind_referral_declined: "Rujukan ditolak RS",
      kind_referral_escalated: "Rujukan tak dijawab (dieskalasi)",
      code_prank: "panggilan palsu", code_duplicate: "panggilan ganda", code_own_transport: "dibawa sendiri",
      code_no_longer_needed: "tidak lagi diperlukan", code_other: "lainnya",
      code_vehicle_fault: "kendaraan rusak", code_crew_incomplete: "kru tidak lengkap",
      code_on_another_mission: "sedang bertugas lain", code_no_free_bed: "tidak ada tempat tidur",
      code_icu_full: "ICU penuh", code_no_specialist: "spesialis tidak ada", code_equipment_down: "alat rusak",
      code_ed_over_capacity: "IGD penuh", code_phone_119: "telepon 119", code_app: "aplikasi",
      code_whatsapp: "WhatsApp", code_radio: "radio", code_walk_in: "datang langsung",
      code_facility_transfer: "rujukan faskes",
    },
    en: {
      title_reports: "Response-time reports", report_period: "Period", report_interval: "Interval",
      report_download: "Download the calls (CSV)", report_headline: "The period at a glance",
      report_headline_hint: "Median: half the calls were faster. P90: 9 calls in 10 within this. Green: ≥90% of calls within the target, amber: ≥75%, red: fewer.",
      report_counts: "What did not go to plan", report_last_30: "Last 30 days", report_last_90: "Last 90 days",
      report_calls_n: "calls", report_median: "median", report_p90: "P90", report_within: "within target",
      report_no_target: "no target", report_by_week: "by week", report_by_shift: "by shift (WIB)",
      report_by_district: "by district (median)", report_by_post: "by ambulance post",
      report_by_hospital: "by receiving hospital", report_slowest: "The slowest calls", report_call: "Call",
      report_taken: "Taken (WIB)", report_district: "District", report_eta_error: "Arrival vs ETA",
      report_steps: "steps", report_handed_over: "handed over", report_open_console: "open in the console", report_target: "target",
      report_loading: "loading…", report_loaded: "loaded in",
      report_synthetic: "SYNTHETIC DATA — {n} of {all} calls made by the simulator",
      report_none: "none", report_unspecified: "no code", report_later: "later", report_sooner: "sooner",
      report_week_of: "week of", report_no_hospital: "no hospital (cancelled, treated on scene)",
      interval_handling: "Call handling (taken → dispatched)", interval_turnout: "Crew turnout (dispatched → left)",
      interval_response: "Response time (taken → on scene)", interval_on_scene: "On-scene time",
      interval_transport: "Transport (scene → hospital)", interval_handover: "Handover at the hospital",
      interval_total: "Total (taken → handed over)",
      kind_calls: "Calls", kind_synthetic: "Synthetic", kind_cancelled: "Cancelled", kind_prank: "Pranks",
      kind_crew_refusal: "Refused by the crew", kind_referral_declined: "Referrals declined",
      kind_referral_escalated: "Referrals unanswered (escalated)",
      code_prank: "prank", code_duplicate: "duplicate", code_own_transport: "own transport",
      code_no_longer_needed: "no longer needed", code_other: "other", code_vehicle_fault: "vehicle fault",
      code_crew_incomplete: "crew incomplete", code_on_another_mission: "on another mission",
      code_no_free_bed: "no free bed", code_icu_full: "ICU full", code_no_specialist: "no specialist",
      code_equipment_down: "equipment down", code_ed_over_capacity: "ED over capacity",
      code_phone_119: "phone 119", code_app: "app", code_whatsapp: "WhatsApp", code_radio: "radio",
      code_walk_in: "walk-in", code_facility_transfer: "facility transfer",
    },
  });

  const WIB = "+07:00";
  const STEPS = ["dispatched", "en_route", "on_scene", "transporting", "at_hospital", "handed_over", "cancelled"];
  const charts = {};
  let categories = {};
  let terms = null;
  let last = null; // the last dashboard answer, redrawn on a language switch
  let districtMap = null;
  let districtLayer = null;

  // Minutes as a coordinator reads them: one decimal under ten minutes, whole minutes above.
  function mins(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const m = seconds / 60;
    return `${m < 10 ? m.toFixed(1) : Math.round(m)} ${t("minutes")}`;
  }
  function share(value) {
    return value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`;
  }
  function code(value) {
    if (!value) return t("report_unspecified");
    const key = `code_${value}`;
    return t(key) === key ? value : t(key);
  }
  function localDate(iso, withTime = true) {
    const options = { timeZone: "Asia/Jakarta", day: "2-digit", month: "short", year: "numeric" };
    if (withTime) Object.assign(options, { hour: "2-digit", minute: "2-digit" });
    return new Date(iso).toLocaleString(lang() === "id" ? "id-ID" : "en-GB", options);
  }
  function grade(within) {
    if (within === null || within === undefined) return "";
    return within >= 0.9 ? "good" : within >= 0.75 ? "fair" : "poor";
  }

  // --- the question: a period (last 30 or 90 days, or a month in WIB) and an interval ----------
  function periods() {
    const select = document.getElementById("period");
    const chosen = select.value || "30d";
    const options = [["30d", t("report_last_30")], ["90d", t("report_last_90")]];
    const now = new Date(Date.now() + 7 * 3600e3); // the WIB calendar
    for (let back = 0; back < 12; back += 1) {
      const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
      const value = month.toISOString().slice(0, 7);
      const name = month.toLocaleDateString(lang() === "id" ? "id-ID" : "en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
      options.push([value, name]);
    }
    select.replaceChildren(...options.map(([value, name]) => el("option", { value, text: name })));
    select.value = chosen;
  }
  function window_() {
    const value = document.getElementById("period").value || "30d";
    if (value.endsWith("d")) {
      const until = new Date();
      return { since: new Date(until - Number(value.slice(0, -1)) * 86400e3).toISOString(), until: until.toISOString() };
    }
    const [year, month] = value.split("-").map(Number);
    const next = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, "0")}`;
    return { since: `${value}-01T00:00:00${WIB}`, until: `${next}-01T00:00:00${WIB}` };
  }
  function intervals() {
    const select = document.getElementById("interval");
    const chosen = select.value || "response";
    select.replaceChildren(...terms.intervals.map((i) => el("option", { value: i.name, text: t(`interval_${i.name}`) })));
    select.value = chosen;
  }

  // --- painting ---------------------------------------------------------------------------------
  function headline(board) {
    document.getElementById("headline").replaceChildren(...board.headline.map((h) =>
      el("article", { class: `tile ${grade(h.within_target)}`, "data-interval": h.interval },
        el("h3", { text: t(`interval_${h.interval}`) }),
        el("p", { class: "big" }, el("span", { text: mins(h.median_s) }), el("small", { text: ` ${t("report_median")}` })),
        el("p", { text: `${t("report_p90")}: ${mins(h.p90_s)} · ${h.calls} ${t("report_calls_n")}` }),
        el("p", { class: "target", text: h.target_min
          ? `${share(h.within_target)} ${t("report_within")} ${h.target_min} ${t("minutes")}`
          : t("report_no_target") }))));
  }
  function counts(board) {
    const kinds = new Map();
    for (const c of board.counts) {
      if (c.kind === "synthetic") continue;
      if (!kinds.has(c.kind)) kinds.set(c.kind, []);
      kinds.get(c.kind).push(c);
    }
    document.getElementById("counts").replaceChildren(...[...kinds].map(([kind, rows]) => {
      const total = rows.reduce((sum, r) => sum + r.count, 0);
      const reasons = rows.filter((r) => r.count && (r.reason || kind === "cancelled"));
      return el("article", { class: "tile", "data-kind": kind },
        el("h3", { text: t(`kind_${kind}`) }), el("p", { class: "big", text: String(total) }),
        reasons.length ? el("ul", {}, reasons.map((r) => el("li", { text: `${code(r.reason)}: ${r.count}` }))) : null);
    }));
  }
  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart(document.getElementById(id), config);
  }
  const MEDIAN = "#1565c0";
  const P90 = "#90caf9";
  function bars(id, rows, name) {
    const height = Math.max(180, rows.length * 26 + 60);
    document.getElementById(id).parentElement.style.height = `${height}px`;
    chart(id, {
      type: "bar",
      data: {
        labels: rows.map(name),
        datasets: [
          { label: t("report_median"), data: rows.map((r) => r.median_s / 60), backgroundColor: MEDIAN },
          { label: t("report_p90"), data: rows.map((r) => r.p90_s / 60), backgroundColor: P90 },
        ],
      },
      options: {
        indexAxis: "y", maintainAspectRatio: false, animation: false,
        scales: { x: { title: { display: true, text: t("minutes") }, beginAtZero: true } },
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${mins(c.raw * 60)}` } } },
      },
    });
  }
  function weekly(board, target) {
    const rows = board.groups.week;
    const datasets = [
      { label: t("report_median"), data: rows.map((r) => r.median_s / 60), borderColor: MEDIAN, backgroundColor: MEDIAN },
      { label: t("report_p90"), data: rows.map((r) => r.p90_s / 60), borderColor: P90, backgroundColor: P90 },
    ];
    if (target) {
      datasets.push({ label: `${t("report_target")} ${target} ${t("minutes")}`, data: rows.map(() => target),
        borderColor: "#b03a2e", borderDash: [6, 4], pointRadius: 0 });
    }
    chart("weekly", {
      type: "line",
      data: { labels: rows.map((r) => localDate(`${r.group}T00:00:00${WIB}`, false)), datasets },
      options: {
        maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: t("minutes") } } },
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${mins(c.raw * 60)}` } } },
      },
    });
  }
  async function districts(board, target) {
    if (!districtMap) {
      districtMap = (await Satria.map("district-map")).view;
      districtLayer = L.layerGroup().addTo(districtMap);
    }
    districtLayer.clearLayers();
    const rows = board.groups.district.filter((r) => board.district_points[r.group]);
    const worst = Math.max(...rows.map((r) => r.median_s || 0), 1);
    const colour = (r) => {
      if (target) return { good: "#1e8449", fair: "#e6a700", poor: "#b03a2e" }[grade(r.within_target)] || "#5d6d7e";
      return `hsl(${120 - 120 * ((r.median_s || 0) / worst)}, 65%, 40%)`;
    };
    for (const r of rows) {
      const [lon, lat] = board.district_points[r.group];
      const name = board.names.district[r.group] || r.group;
      L.circleMarker([lat, lon], {
        radius: 8 + Math.min(14, Math.sqrt(r.calls)), color: "#fff", weight: 2,
        fillColor: colour(r), fillOpacity: 0.85,
      }).bindTooltip(Satria.tip(`${name}: ${t("report_median")} ${mins(r.median_s)}, ${t("report_p90")} ${mins(r.p90_s)}, ${r.calls} ${t("report_calls_n")}${target ? `, ${share(r.within_target)} ${t("report_within")}` : ""}`),
        { direction: "top" }).addTo(districtLayer);
      // The median on the map itself, read without a mouse (the name is on the map's labels).
      L.marker([lat, lon], {
        icon: L.divIcon({ className: "district-median", html: "", iconSize: [44, 16], iconAnchor: [22, -10] }),
        interactive: false, keyboard: false,
      }).addTo(districtLayer).getElement().textContent = mins(r.median_s);
    }
    document.getElementById("district-legend").replaceChildren(...(target
      ? [["good", "≥90%"], ["fair", "≥75%"], ["poor", "<75%"]].map(([g, text]) =>
        el("li", { class: g, text: `${text} ${t("report_within")} ${target} ${t("minutes")}` }))
      : []));
  }
  function slowest(board, me) {
    document.getElementById("slowest-interval").textContent = t(`interval_${board.interval}`);
    const operator = me.role === "operator" || me.role === "admin";
    document.getElementById("slowest").replaceChildren(...board.slowest.flatMap(({ seconds, call }) => {
      const steps = el("tr", { class: "steps", hidden: true },
        el("td", { colspan: 8 }, el("ol", { class: "timeline" },
          el("li", {}, el("time", { text: localDate(call.created_at) }), ` ${t("status_received")}`),
          STEPS.filter((s) => call[`${s}_at`]).map((s) =>
            el("li", {}, el("time", { text: localDate(call[`${s}_at`]) }), ` ${t(s === "handed_over" ? "report_handed_over" : `status_${s}`)}`)))));
      const error = call.eta_error_s;
      const row = el("tr", { "data-call-id": call.call_id },
        el("td", {}, el("button", { type: "button", class: "link", "aria-expanded": "false",
          onclick: (event) => {
            steps.hidden = !steps.hidden;
            event.currentTarget.setAttribute("aria-expanded", String(!steps.hidden));
          } }, `#${call.call_id} ▸ ${t("report_steps")}`)),
        el("td", { text: localDate(call.created_at) }),
        el("td", { text: board.names.district[call.district_code] || call.district_code || "–" }),
        el("td", { text: (categories[call.category] || {})[lang() === "id" ? "label_id" : "label"] || call.category }),
        el("td", {}, el("span", { class: `badge triage-${call.triage}`, text: call.triage.toUpperCase() })),
        el("td", { class: "number", text: mins(seconds) }),
        el("td", { class: "number", text: error === null ? "–" : `${mins(Math.abs(error))} ${t(error >= 0 ? "report_later" : "report_sooner")}` }),
        el("td", {}, operator ? el("a", { href: `/console#call=${call.call_id}`, target: "_blank", rel: "opener", text: t("report_open_console") }) : null));
      return [row, steps];
    }));
  }
  function paint(board, me) {
    const target = (terms.intervals.find((i) => i.name === board.interval) || {}).target_min;
    const name = t(`interval_${board.interval}`);
    const calls = board.counts.find((c) => c.kind === "calls").count;
    const synthetic = document.getElementById("synthetic");
    synthetic.hidden = board.synthetic_calls === 0 && !board.region_synthetic;
    synthetic.textContent = board.synthetic_calls
      ? t("report_synthetic").replace("{n}", board.synthetic_calls).replace("{all}", calls)
      : t("synthetic"); // a made-up region: its calls are not real either
    document.getElementById("weekly-title").textContent = `${name} ${t("report_by_week")}`;
    document.getElementById("shift-title").textContent = `${name} ${t("report_by_shift")}`;
    document.getElementById("district-title").textContent = `${name} ${t("report_by_district")}`;
    document.getElementById("post-title").textContent = `${name} ${t("report_by_post")}`;
    document.getElementById("hospital-title").textContent = `${name} ${t("report_by_hospital")}`;
    document.getElementById("slowest-title").textContent = `${t("report_slowest")} — ${name}`;
    headline(board);
    counts(board);
    weekly(board, target);
    bars("by-shift", board.groups.shift, (r) => r.group);
    bars("by-post", board.groups.post, (r) => board.names.post[r.group] || r.group || "–");
    bars("by-hospital", board.groups.hospital, (r) => (r.group ? board.names.hospital[r.group] || r.group : t("report_no_hospital")));
    slowest(board, me);
  }

  function ask() {
    const question = new URLSearchParams({ ...window_(), interval: document.getElementById("interval").value || "response" });
    return api(`/api/reports/dashboard?${question}`);
  }
  // The first answer is asked for at once, beside who the key is and the terms: the default
  // question (the last 30 days, response time) needs neither.
  let firstAnswer = Satria.key() ? ask() : null;
  if (firstAnswer) firstAnswer.catch(() => {}); // a failure is shown when it is awaited

  async function load(me) {
    const began = performance.now();
    const state = document.getElementById("report-state");
    const error = document.getElementById("report-error");
    state.textContent = t("report_loading");
    try {
      last = await (firstAnswer || ask());
      firstAnswer = null;
      error.hidden = true;
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
      state.textContent = "";
      return;
    }
    paint(last, me);
    Object.assign(document.body.dataset, { since: last.since, until: last.until }); // what is shown
    // The figures are on screen: that is the first paint (the map's roads come after).
    await new Promise((done) => requestAnimationFrame(() => done()));
    const elapsed = Math.round(performance.now() - began);
    state.textContent = `${t("report_loaded")} ${elapsed} ms`;
    // From the page's navigation (login aside) to the figures on screen, the first time:
    // what the browser test reports.
    if (!document.body.dataset.paintedMs) document.body.dataset.paintedMs = String(Math.round(performance.now()));
    await drawMap();
  }
  async function drawMap() {
    const target = (terms.intervals.find((i) => i.name === last.interval) || {}).target_min;
    await districts(last, target);
    document.body.dataset.mapped = "true";
  }

  async function download() {
    const response = await fetch(`/api/reports/calls?${new URLSearchParams({ ...window_(), limit: 10000 })}`, {
      headers: { Authorization: `Bearer ${Satria.key()}`, Accept: "text/csv" },
    });
    const link = el("a", { href: URL.createObjectURL(await response.blob()), download: `satria-calls-${document.getElementById("period").value}.csv` });
    link.click();
    URL.revokeObjectURL(link.href);
  }

  start(async (me) => {
    if (!["operator", "admin", "health-office"].includes(me.role)) {
      const error = document.getElementById("report-error");
      error.textContent = t("error_role");
      error.hidden = false;
      return;
    }
    document.getElementById("to-console").hidden = !(me.role === "operator" || me.role === "admin");
    [terms, categories] = await Promise.all([api("/api/reports/terms"), fetch("/api/categories").then((r) => r.json())]);
    periods();
    intervals();
    document.getElementById("period").addEventListener("change", () => load(me));
    document.getElementById("interval").addEventListener("change", () => load(me));
    document.getElementById("download").addEventListener("click", download);
    languageSwitch(document.getElementById("language"), () => {
      periods();
      intervals();
      if (last) { paint(last, me); drawMap(); }
    });
    await load(me);
  });
})();
