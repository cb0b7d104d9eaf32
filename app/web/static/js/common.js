// Satria web pages: what the operator console and the hospital board share.
// The key lives in this tab's sessionStorage only; the API decides what the key may see.
"use strict";

const Satria = (() => {
  const KEY = "satria.key";
  const LANG = "satria.lang";

  // --- language: Bahasa Indonesia by default, English on request -------------------------
  const TEXTS = {
    id: {
      title_console: "Konsol Operator PSC 119", title_board: "Papan IGD", title_login: "Masuk",
      title_reports_short: "Laporan",
      login_prompt: "Masukkan kunci API Anda", login_button: "Masuk", logout: "Keluar",
      key_placeholder: "kunci API", error_key: "Kunci tidak dikenal, dicabut, atau kedaluwarsa.",
      error_role: "Peran ini tidak memiliki halaman di sini.", error_network: "Layanan tidak terjangkau.",
      synthetic: "DATA SINTETIS — bukan peta atau rumah sakit sungguhan",
      new_call: "Panggilan baru", click_map: "Cari nama tempat, ketik koordinat, atau klik peta untuk menentukan lokasi kejadian.",
      location: "Lokasi", category: "Kategori", incident: "Jenis kejadian", triage: "Triase",
      caller_nik: "NIK penelepon", caller_phone: "Telepon penelepon", patient: "Pasien",
      patient_name: "Nama pasien", age: "Umur (tahun)", sex: "Jenis kelamin", condition: "Kondisi",
      male: "laki-laki", female: "perempuan", unknown: "tidak diketahui",
      create_call: "Buat panggilan", ranking: "Rumah sakit yang sesuai", passed_over: "Tidak dipilih",
      ambulance: "Ambulans", recommended: "disarankan", dispatch_refer: "Kirim ambulans & rujuk",
      override_reason: "Alasan memilih rumah sakit lain", active_calls: "Panggilan aktif",
      status: "Status", verification: "Verifikasi", acknowledged: "Diterima RS", waiting: "menunggu",
      eta: "ETA", distance: "Jarak", minutes: "mnt", km: "km", stale: "posisi lama",
      incoming: "Ambulans menuju rumah sakit ini", no_incoming: "Tidak ada ambulans menuju ke sini.",
      acknowledge: "Siap menerima", readiness: "Kesiapan rumah sakit", free_beds: "Tempat tidur kosong",
      diversion: "Alihkan pasien (diversion)", reason: "Alasan", capabilities_down: "Layanan tidak tersedia",
      save: "Simpan", saved: "Tersimpan", updated: "diperbarui", never: "belum pernah",
      not_your_board: "Papan ini milik rumah sakit lain.", live: "terhubung", offline: "terputus",
      arrived: "tiba", patients: "pasien", no_calls: "Tidak ada panggilan aktif.", language: "English",
      dispatched: "Ambulans dikirim dan pasien dirujuk.", none_eligible: "Tidak ada rumah sakit yang sesuai.",
      roads: "Jalan & cakupan", traffic: "Lalu lintas", restriction_hint: "Pilih titik di jalan pada peta, lalu tutup atau perlambat.",
      restriction_kind: "Tindakan", closure: "tutup jalan", slowdown: "perlambat (x2)", hours: "Berlaku (jam)",
      restrict: "Terapkan pada titik di peta", lift: "Buka", until: "sampai", no_restrictions: "Tidak ada penutupan jalan.",
      coverage: "Cakupan layanan", coverage_none: "— tidak ditampilkan —", neurosurgery: "bedah saraf",
      within: "dalam", of_roads: "jalan", of_people: "penduduk", never_updated: "belum pernah diperbarui",
      phase_to_scene: "menuju lokasi", phase_on_scene: "di lokasi", phase_to_hospital: "menuju IGD",
      phase_at_hospital: "tiba di IGD", phase_waiting: "menunggu posisi ambulans",
      arrival_estimate: "perkiraan tiba di IGD", arrival_eta: "tiba di IGD dalam",
      eta_unknown: "waktu tiba belum diketahui", arrived_note: "sudah di IGD",
      status_received: "diterima", status_dispatched: "ambulans dikirim", status_en_route: "dalam perjalanan",
      status_on_scene: "di lokasi", status_transporting: "membawa pasien", status_at_hospital: "di rumah sakit",
      status_closed: "selesai", status_cancelled: "dibatalkan", status_undefined: "–",
      verification_pending: "sedang diperiksa", verification_verified: "terverifikasi",
      verification_not_found: "NIK tidak ditemukan", verification_data_mismatch: "data tidak cocok",
      verification_registry_unavailable: "Dukcapil tidak terjangkau", verification_invalid_nik: "NIK tidak sah",
      verification_not_given: "tanpa NIK",
      action_call_created: "panggilan diterima", action_call_status: "status berubah",
      action_call_referred: "dirujuk", action_call_reassigned: "ambulans diganti", action_call_note: "catatan",
      action_call_taken_over: "diambil alih", action_call_personal_data_read: "data pribadi dibuka",
      action_call_verification: "verifikasi NIK", action_call_address_read_by_crew: "alamat dibaca kru",
      reason_lacks: "tidak punya", reason_down: "sedang tidak berfungsi", reason_no_bed: "tidak ada yang kosong:",
      reason_stale: "data tempat tidur sudah lama", hours_ago: "jam lalu", reason_on_diversion: "sedang mengalihkan pasien (diversion)",
      reason_no_readiness: "belum melaporkan kesiapan", reason_unreachable: "tidak terjangkau lewat jalan",
      override_costs: "Pasien tiba lebih lambat", override_passed_over: "rumah sakit ini tidak dipilih sistem — pastikan lewat telepon",
      override_family: "permintaan pasien/keluarga", override_confirmed: "RS sudah dihubungi dan siap menerima",
      override_refused: "RS yang disarankan menolak (telepon)", override_history: "riwayat perawatan pasien di RS ini",
      override_needs_reason: "Pilih alasan memilih rumah sakit lain (dan tulis keterangan untuk \"lainnya\").",
      "period_free flow": "lancar", "period_weekday morning rush": "jam sibuk pagi (hari kerja)",
      "period_weekday afternoon rush": "jam sibuk sore (hari kerja)", "period_Saturday night in town": "malam Minggu di kota",
      period_night: "malam hari",
      shortcuts: "Pintasan: Alt+N panggilan baru · Alt+M/K/H/I triase · Alt+D kirim & rujuk",
      location_placeholder: "ketik nama tempat (desa, jalan, pasar…) atau lintang, bujur", location_outside: "Koordinat tidak dikenali atau di luar wilayah.",
      location_pick_or_type: "Pilih tempat dari daftar (panah dan Enter), atau ketik koordinat.", no_place_found: "Tidak ada tempat bernama",
      near: "dekat", place_district: "kecamatan", place_village: "desa/kelurahan", place_street: "jalan",
      place_landmark: "tempat umum", place_hospital: "rumah sakit", place_puskesmas: "puskesmas",
      legend_hospital_ready: "RS siap", legend_hospital_limited: "RS terbatas (IGD penuh / alat rusak)",
      legend_hospital_diversion: "RS pengalihan (tidak menerima)", legend_hospital_stale: "RS: data kesiapan usang",
      legend_ambulance_available: "ambulans siap", legend_ambulance_assigned: "ambulans bertugas",
      legend_ambulance_stale: "ambulans: posisi usang", legend_ambulance_off: "ambulans tidak bertugas", legend_call: "panggilan (warna = triase)",
      legend_route: "rute ke RS", legend_route_ambulance: "rute ambulans ke lokasi", legend_closure: "jalan ditutup",
      handover_sheet: "Lembar serah terima (PDF)", vitals_at: "tanda vital pukul", vital_td: "TD", vital_pulse: "Nadi", vital_rr: "RR", vital_spo2: "SpO2",
      vital_gcs: "GCS", vital_temp: "Suhu", vital_glucose: "GDS", retriage: "triase ulang",
      care_oxygen: "oksigen", care_airway: "jalan napas", care_iv_line: "infus", care_cpr: "RJP",
      care_defibrillation: "defibrilasi", care_splint: "bidai", care_bleeding_control: "hentikan perdarahan",
      care_other: "lainnya", record_vitals: "Catat tanda vital", send: "Kirim", care_sent: "catatan terkirim", entries_waiting: "catatan menunggu sinyal",
      title_crew: "Kru Ambulans", enrol_code_spent: "Kode QR ini sudah dipakai atau kedaluwarsa: minta kode baru ke admin.", crew_sign_in: "Masuk dengan kunci kru", gps_accuracy: "GPS",
      fixes_waiting: "posisi menunggu", fixes_sent: "terkirim", no_assignment: "Belum ada tugas. Siaga.",
      go_off_duty: "Tidak bertugas", go_on_duty: "Kembali bertugas", on_duty: "bertugas", destination: "Tujuan",
      navigate: "Navigasi (buka peta)", accept_assignment: "Terima tugas", refuse_assignment: "Tolak tugas",
      step_en_route: "Berangkat", step_on_scene: "Tiba di lokasi", step_transporting: "Membawa pasien",
      step_at_hospital: "Tiba di RS", step_handover: "Serah terima selesai", gps_unavailable: "GPS tidak tersedia",
      refusal_needs_reason: "Pilih alasan (dan tulis keterangan untuk \"lainnya\").",
      accept: "Terima pasien", decline: "Tolak…", decline_send: "Kirim penolakan", answer_by: "Jawab sebelum",
      answered_accepted: "Diterima", answered_declined: "Ditolak", answered_missed: "Tidak dijawab tepat waktu: operator sudah diberi tahu",
      decline_reason: "Alasan menolak", decline_subject_bed_kind: "Tempat tidur yang penuh", decline_subject_specialist: "Spesialis yang tidak ada",
      decline_note: "Keterangan", decline_needs: "Lengkapi alasan penolakan.", hospital_declined: "menolak rujukan",
      hospital_missed: "tidak menjawab rujukan", send_to: "Kirim ke", answer_waiting: "menunggu jawaban RS",
      reason_declined: "menolak rujukan", reason_no_answer: "tidak menjawab tepat waktu", answer_note: "catatan",
      rerouted_away: "Pasien dialihkan ke rumah sakit lain",
      source_filter: "Sumber", source_all: "semua", source_phone_119: "telepon 119", source_app: "dari aplikasi",
      source_whatsapp: "WhatsApp", source_radio: "radio", source_walk_in: "datang langsung", source_facility_transfer: "rujukan faskes",
      prank_marked: "iseng",
      public_call_119: "Tidak bisa memakai aplikasi? Telepon", public_register: "Daftar dengan NIK",
      public_nik: "NIK (16 angka, sesuai KTP)", public_name: "Nama lengkap", public_phone: "Nomor HP",
      public_address: "Alamat rumah (boleh dikosongkan)", public_contact: "Kontak darurat keluarga (boleh dikosongkan)",
      public_send_code: "Kirim kode ke HP saya", public_confirm: "Masukkan kode", public_code_sent: "Kode dikirim ke",
      public_code: "Kode 6 angka", public_confirm_button: "Konfirmasi", public_sos: "DARURAT",
      public_sos_hint: "Tekan untuk meminta ambulans PSC 119.", public_open_last: "Lihat panggilan terakhir",
      public_account: "Akun", public_delete: "Hapus akun saya", public_delete_confirm: "Hapus akun dan data pribadi Anda?",
      public_verification_pending: "NIK sedang diperiksa", public_verification_verified: "NIK terverifikasi",
      public_verification_not_found: "NIK tidak ditemukan di Dukcapil", public_verification_mismatch: "nama tidak cocok dengan NIK",
      public_verification_registry_unavailable: "pemeriksaan NIK tertunda", public_verification_invalid: "NIK tidak valid",
      public_verification_not_given: "NIK belum diberikan",
      public_what: "Apa yang terjadi?", public_people: "Berapa orang yang terluka/sakit", public_text: "Keterangan singkat (boleh dikosongkan)",
      public_no_gps: "Lokasi HP tidak bisa dibaca. Pilih kecamatan dan tulis alamatnya.", public_district: "Kecamatan",
      public_where: "Alamat atau patokan", public_send: "KIRIM PERMINTAAN AMBULANS", public_gps_looking: "Mencari lokasi HP…",
      public_gps_found: "Lokasi HP ditemukan", public_need_place: "Pilih kecamatan tempat kejadian.",
      public_step_diterima: "Diterima PSC 119", public_step_ambulans_berangkat: "Ambulans berangkat",
      public_step_ambulans_tiba: "Ambulans tiba", public_step_dibawa_ke_rs: "Dibawa ke rumah sakit",
      public_step_selesai: "Selesai", public_step_dibatalkan: "Dibatalkan", public_eta: "Ambulans tiba dalam",
      public_eta_unknown: "Ambulans dalam perjalanan", public_first_aid: "Sambil menunggu",
      public_first_aid_draft: "Panduan ini masih menunggu tinjauan tim medis PSC 119.", public_back: "Kembali",
      crew_hospital_accepted: "RS siap menerima", crew_hospital_declined: "RS menolak: operator mencari RS lain",
      crew_hospital_waiting: "menunggu jawaban RS", sound_on: "Aktifkan suara alarm", sound_ready: "Suara alarm aktif", mute_shift: "Bisukan untuk shift ini",
      muted_until: "Alarm dibisukan sampai", unmute: "Nyalakan", wall_mode: "Layar dinding", board_mode: "Layar kerja",
      night_theme: "Tema malam", day_theme: "Tema siang", more_incoming: "pasien lain menunggu jawaban",
      on_call: "Dokter spesialis jaga", on_call_from: "dari", on_call_until: "sampai", blood_stock: "Stok darah (kantong PRC)",
      reason_no_specialist: "tidak ada", reason_on_call_from: "jaga mulai", reason_low_blood: "stok darah kurang:",
      reason_stale_on_call: "data dokter jaga sudah lama", reason_stale_blood: "data stok darah sudah lama",
      off_duty: "tidak bertugas", crew_accepted: "kru menerima", crew_not_answered: "menunggu jawaban kru",
      crew_refused: "menolak", send_next: "Kirim", why_vehicle_fault: "kendaraan rusak", why_crew_incomplete: "kru tidak lengkap",
      why_on_another_mission: "sedang tugas lain", why_other: "lainnya", why_maintenance: "perawatan",
      why_refuelling: "isi bahan bakar", why_end_of_shift: "akhir dinas",
      legend: "Legenda", legend_river: "sungai", legend_this_hospital: "rumah sakit ini", legend_incoming: "ambulans menuju ke sini",
      diversion_since: "pengalihan sejak", beds_stale_now: "Data tempat tidur sudah usang; RS ini dilewati dalam rekomendasi",
      beds_stale_soon: "Data tempat tidur akan usang dalam", beds_update_now: "Perbarui jumlah tempat tidur kosong sekarang.",
      coverage_loading: "Menghitung jangkauan… (beberapa detik)", coverage_failed: "Jangkauan gagal dihitung",
      at_limit: "Batas panjang teks tercapai; sisanya tidak akan tersimpan", add_patient: "+ Tambah pasien", remove: "hapus",
      pick_closure_point: "Pilih titik penutupan di peta",
      waiting_for_unit: "menunggu ambulans", no_unit_free: "Tidak ada ambulans yang tersedia saat ini.",
      no_unit_hint: "Panggilan tetap di antrean. Ambulans yang paling cepat bisa datang setelah selesai tugas (perkiraan):",
      free_in: "selesai dalam", then_here_in: "lalu ke lokasi", free_unknown: "waktu selesai belum diketahui",
      no_busy_known: "Tidak ada ambulans yang sedang bertugas.", unit_freed: "Ambulans tersedia:",
      calls_waiting: "panggilan menunggu", open_waiting: "Buka yang paling lama menunggu",
      call_detail: "Panggilan", close: "Tutup", assess_again: "Nilai ulang: ambulans & rumah sakit",
      reassign_reason: "Alasan ganti ambulans", reassign: "Ganti ambulans", cancel_reason: "Alasan pembatalan",
      choose: "— pilih —", cancel_prank: "panggilan palsu", cancel_duplicate: "panggilan ganda",
      cancel_own_transport: "pasien dibawa sendiri", cancel_not_needed: "tidak lagi diperlukan", cancel_other: "lainnya",
      note: "Keterangan", cancel_call: "Batalkan panggilan", add_note: "Catatan (tanpa NIK atau nama)", add: "Tambah",
      timeline: "Riwayat", cancel_other_needs_text: "Alasan lain: tuliskan keterangannya.",
    },
    en: {
      title_console: "PSC 119 Operator Console", title_reports_short: "Reports", title_board: "Emergency Department Board", title_login: "Log in",
      login_prompt: "Enter your API key", login_button: "Log in", logout: "Log out",
      key_placeholder: "API key", error_key: "Unknown, revoked or expired key.",
      error_role: "This role has no page here.", error_network: "The service cannot be reached.",
      synthetic: "SYNTHETIC DATA — not a real map or real hospitals",
      new_call: "New call", click_map: "Search a place name, type coordinates, or click the map to set the incident location.",
      location: "Location", category: "Category", incident: "Incident", triage: "Triage",
      caller_nik: "Caller NIK", caller_phone: "Caller phone", patient: "Patient",
      patient_name: "Patient name", age: "Age (years)", sex: "Sex", condition: "Condition",
      male: "male", female: "female", unknown: "unknown",
      create_call: "Create call", ranking: "Suitable hospitals", passed_over: "Passed over",
      ambulance: "Ambulance", recommended: "recommended", dispatch_refer: "Dispatch & refer",
      override_reason: "Reason for another hospital", active_calls: "Active calls",
      status: "Status", verification: "Verification", acknowledged: "Hospital ready", waiting: "waiting",
      eta: "ETA", distance: "Distance", minutes: "min", km: "km", stale: "stale position",
      incoming: "Ambulances coming to this hospital", no_incoming: "No ambulance is coming here.",
      acknowledge: "Ready to receive", readiness: "Hospital readiness", free_beds: "Free beds",
      diversion: "On diversion", reason: "Reason", capabilities_down: "Services down",
      save: "Save", saved: "Saved", updated: "updated", never: "never",
      not_your_board: "This board belongs to another hospital.", live: "live", offline: "offline",
      arrived: "arrived", patients: "patients", no_calls: "No active calls.", language: "Bahasa Indonesia",
      dispatched: "Ambulance dispatched and patient referred.", none_eligible: "No suitable hospital.",
      roads: "Roads & coverage", traffic: "Traffic", restriction_hint: "Pick a point on a road on the map, then close or slow it.",
      restriction_kind: "Action", closure: "close road", slowdown: "slow down (x2)", hours: "For (hours)",
      restrict: "Apply at the point on the map", lift: "Reopen", until: "until", no_restrictions: "No road closures.",
      coverage: "Service coverage", coverage_none: "— not shown —", neurosurgery: "neurosurgery",
      within: "within", of_roads: "of roads", of_people: "of people", never_updated: "never updated",
      phase_to_scene: "heading to the scene", phase_on_scene: "on scene", phase_to_hospital: "heading to the ED",
      phase_at_hospital: "at the ED", phase_waiting: "waiting for the ambulance's position",
      arrival_estimate: "estimated arrival at the ED", arrival_eta: "at the ED in",
      eta_unknown: "arrival time not known yet", arrived_note: "at the door",
      status_received: "received", status_dispatched: "ambulance dispatched", status_en_route: "en route",
      status_on_scene: "on scene", status_transporting: "transporting", status_at_hospital: "at hospital",
      status_closed: "closed", status_cancelled: "cancelled", status_undefined: "–",
      verification_pending: "being checked", verification_verified: "verified",
      verification_not_found: "NIK not found", verification_data_mismatch: "data do not match",
      verification_registry_unavailable: "registry unreachable", verification_invalid_nik: "invalid NIK",
      verification_not_given: "no NIK",
      action_call_created: "call taken", action_call_status: "status changed",
      action_call_referred: "referred", action_call_reassigned: "ambulance changed", action_call_note: "note",
      action_call_taken_over: "taken over", action_call_personal_data_read: "personal data opened",
      action_call_verification: "NIK check", action_call_address_read_by_crew: "address read by crew",
      reason_lacks: "no", reason_down: "temporarily down", reason_no_bed: "none free:",
      reason_stale: "bed figures are old", hours_ago: "h ago", reason_on_diversion: "on diversion",
      reason_no_readiness: "has not reported its readiness", reason_unreachable: "no road from the incident",
      override_costs: "The patient arrives later by", override_passed_over: "the system passed this hospital over — confirm by phone",
      override_family: "patient's or family's request", override_confirmed: "hospital phoned and ready to receive",
      override_refused: "recommended hospital refused (by phone)", override_history: "patient treated at this hospital before",
      override_needs_reason: "Choose why another hospital is chosen (and write details for \"other\").",
      "period_free flow": "free flow", "period_weekday morning rush": "weekday morning rush",
      "period_weekday afternoon rush": "weekday afternoon rush", "period_Saturday night in town": "Saturday night in town",
      period_night: "night",
      shortcuts: "Shortcuts: Alt+N new call · Alt+M/K/H/I triage · Alt+D dispatch & refer",
      location_placeholder: "type a place (village, street, market…) or latitude, longitude", location_outside: "Coordinates not understood or outside the region.",
      location_pick_or_type: "Pick a place from the list (arrows and Enter), or type coordinates.", no_place_found: "No place named",
      near: "near", place_district: "district", place_village: "village", place_street: "street",
      place_landmark: "landmark", place_hospital: "hospital", place_puskesmas: "Puskesmas",
      legend_hospital_ready: "hospital ready", legend_hospital_limited: "hospital limited (ED full / equipment down)",
      legend_hospital_diversion: "hospital on diversion", legend_hospital_stale: "hospital: readiness out of date",
      legend_ambulance_available: "ambulance available", legend_ambulance_assigned: "ambulance on a mission",
      legend_ambulance_stale: "ambulance: position out of date", legend_ambulance_off: "ambulance off duty", legend_call: "call (colour = triage)",
      legend_route: "route to the hospital", legend_route_ambulance: "ambulance's route to the scene", legend_closure: "road closed",
      handover_sheet: "Handover sheet (PDF)", vitals_at: "vital signs at", vital_td: "BP", vital_pulse: "Pulse", vital_rr: "RR", vital_spo2: "SpO2",
      vital_gcs: "GCS", vital_temp: "Temp", vital_glucose: "Glucose", retriage: "re-triage",
      care_oxygen: "oxygen", care_airway: "airway", care_iv_line: "IV line", care_cpr: "CPR",
      care_defibrillation: "defibrillation", care_splint: "splint", care_bleeding_control: "bleeding control",
      care_other: "other", record_vitals: "Record vital signs", send: "Send", care_sent: "entries sent", entries_waiting: "entries waiting for a signal",
      title_crew: "Ambulance Crew", enrol_code_spent: "This QR code was used already or has expired: ask the administrator for a new one.", crew_sign_in: "Sign in with the crew key", gps_accuracy: "GPS",
      fixes_waiting: "positions waiting", fixes_sent: "sent", no_assignment: "No assignment. Standing by.",
      go_off_duty: "Go off duty", go_on_duty: "Back on duty", on_duty: "on duty", destination: "Destination",
      navigate: "Navigate (open the map)", accept_assignment: "Accept", refuse_assignment: "Refuse",
      step_en_route: "Leaving now", step_on_scene: "At the scene", step_transporting: "Patient on board",
      step_at_hospital: "At the hospital", step_handover: "Handover done", gps_unavailable: "GPS unavailable",
      refusal_needs_reason: "Choose a reason (and write a note for \"other\").",
      accept: "Accept the patient", decline: "Decline…", decline_send: "Send the decline", answer_by: "Answer by",
      answered_accepted: "Accepted", answered_declined: "Declined", answered_missed: "Not answered in time: the operators were alerted",
      decline_reason: "Reason to decline", decline_subject_bed_kind: "Which beds are full", decline_subject_specialist: "Which specialist is missing",
      decline_note: "Note", decline_needs: "Complete the reason to decline.", hospital_declined: "declined the referral",
      hospital_missed: "did not answer the referral", send_to: "Send to", answer_waiting: "awaiting the hospital's answer",
      reason_declined: "declined a referral", reason_no_answer: "no answer in time", answer_note: "note",
      rerouted_away: "The patient was sent to another hospital",
      source_filter: "Source", source_all: "all", source_phone_119: "phone 119", source_app: "from the app",
      source_whatsapp: "WhatsApp", source_radio: "radio", source_walk_in: "walk-in", source_facility_transfer: "facility transfer",
      prank_marked: "prank",
      public_call_119: "Cannot use the app? Call", public_register: "Register with your NIK",
      public_nik: "NIK (16 digits, as on the KTP)", public_name: "Full name", public_phone: "Mobile number",
      public_address: "Home address (optional)", public_contact: "A relative to contact (optional)",
      public_send_code: "Send a code to my phone", public_confirm: "Enter the code", public_code_sent: "Code sent to",
      public_code: "6-digit code", public_confirm_button: "Confirm", public_sos: "EMERGENCY",
      public_sos_hint: "Press to ask PSC 119 for an ambulance.", public_open_last: "See my last call",
      public_account: "Account", public_delete: "Delete my account", public_delete_confirm: "Delete your account and personal data?",
      public_verification_pending: "NIK being checked", public_verification_verified: "NIK verified",
      public_verification_not_found: "NIK not found at Dukcapil", public_verification_mismatch: "name does not match the NIK",
      public_verification_registry_unavailable: "NIK check delayed", public_verification_invalid: "NIK not valid",
      public_verification_not_given: "no NIK given",
      public_what: "What happened?", public_people: "How many people are hurt or ill", public_text: "A few words (optional)",
      public_no_gps: "The phone's location cannot be read. Choose the district and write the address.", public_district: "District",
      public_where: "Address or landmark", public_send: "SEND FOR AN AMBULANCE", public_gps_looking: "Finding the phone's location…",
      public_gps_found: "Phone location found", public_need_place: "Choose the district where it happened.",
      public_step_diterima: "Received by PSC 119", public_step_ambulans_berangkat: "Ambulance on its way",
      public_step_ambulans_tiba: "Ambulance arrived", public_step_dibawa_ke_rs: "Taken to hospital",
      public_step_selesai: "Done", public_step_dibatalkan: "Cancelled", public_eta: "Ambulance arrives in",
      public_eta_unknown: "The ambulance is on its way", public_first_aid: "While you wait",
      public_first_aid_draft: "This guidance awaits review by the PSC 119 medical team.", public_back: "Back",
      crew_hospital_accepted: "the hospital is ready", crew_hospital_declined: "the hospital declined: the operator is finding another",
      crew_hospital_waiting: "awaiting the hospital's answer", sound_on: "Turn the alarm sound on", sound_ready: "Alarm sound on", mute_shift: "Mute for this shift",
      muted_until: "Alarm muted until", unmute: "Unmute", wall_mode: "Wall screen", board_mode: "Desk screen",
      night_theme: "Night theme", day_theme: "Day theme", more_incoming: "more patients awaiting an answer",
      on_call: "Specialists on call", on_call_from: "from", on_call_until: "until", blood_stock: "Blood stock (units of packed red cells)",
      reason_no_specialist: "no", reason_on_call_from: "on call from", reason_low_blood: "blood low:",
      reason_stale_on_call: "on-call list is old", reason_stale_blood: "blood stock figures are old",
      off_duty: "off duty", crew_accepted: "crew accepted", crew_not_answered: "waiting for the crew's answer",
      crew_refused: "refused", send_next: "Send", why_vehicle_fault: "vehicle fault", why_crew_incomplete: "crew not complete",
      why_on_another_mission: "on another mission", why_other: "other", why_maintenance: "maintenance",
      why_refuelling: "refuelling", why_end_of_shift: "end of shift",
      legend: "Legend", legend_river: "river", legend_this_hospital: "this hospital", legend_incoming: "ambulance coming here",
      diversion_since: "on diversion since", beds_stale_now: "Bed counts are out of date; rankings pass this hospital over",
      beds_stale_soon: "Bed counts go out of date in", beds_update_now: "Update the free beds now.",
      coverage_loading: "Computing coverage… (a few seconds)", coverage_failed: "Coverage could not be computed",
      at_limit: "Text length limit reached; anything more will not be kept", add_patient: "+ Add patient", remove: "remove",
      pick_closure_point: "Pick the closure point on the map",
      waiting_for_unit: "waiting for an ambulance", no_unit_free: "No ambulance is available right now.",
      no_unit_hint: "The call stays queued. Busy ambulances that could come soonest once free (estimates):",
      free_in: "free in", then_here_in: "then here in", free_unknown: "time free not known yet",
      no_busy_known: "No ambulance is on a mission.", unit_freed: "Ambulance free:",
      calls_waiting: "calls waiting", open_waiting: "Open the longest waiting",
      call_detail: "Call", close: "Close", assess_again: "Assess again: ambulance & hospital",
      reassign_reason: "Reason for another ambulance", reassign: "Change ambulance", cancel_reason: "Reason to cancel",
      choose: "— choose —", cancel_prank: "prank call", cancel_duplicate: "duplicate call",
      cancel_own_transport: "patient taken by own transport", cancel_not_needed: "no longer needed", cancel_other: "other",
      note: "Details", cancel_call: "Cancel call", add_note: "Note (no NIK or names)", add: "Add",
      timeline: "Timeline", cancel_other_needs_text: "Other reason: write the details.",
    },
  };

  function lang() {
    return localStorage.getItem(LANG) === "en" ? "en" : "id";
  }

  function t(key) {
    return TEXTS[lang()][key] ?? TEXTS.id[key] ?? key;
  }

  // A page's own texts, added to the shared ones (both languages).
  function addTexts(more) {
    for (const language of Object.keys(TEXTS)) Object.assign(TEXTS[language], more[language] || {});
  }

  function applyTexts(root = document) {
    document.documentElement.lang = lang();
    root.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    root.querySelectorAll("[data-t-placeholder]").forEach((el) => {
      el.placeholder = t(el.dataset.tPlaceholder);
    });
  }

  function languageSwitch(button, onChange) {
    button.addEventListener("click", () => {
      localStorage.setItem(LANG, lang() === "id" ? "en" : "id");
      applyTexts();
      if (onChange) onChange();
    });
  }

  // --- the key and the API ------------------------------------------------------------------
  function key() {
    return sessionStorage.getItem(KEY);
  }

  function toLogin(error) {
    sessionStorage.removeItem(KEY);
    location.assign(error ? `/login?error=${encodeURIComponent(error)}` : "/login");
  }

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  async function api(path, { method = "GET", body, withKey } = {}) {
    const headers = { Authorization: `Bearer ${withKey ?? key()}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401 && withKey === undefined) toLogin("key");
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail ?? detail; } catch (_) { /* not JSON */ }
      throw new ApiError(response.status, detail);
    }
    return response.status === 204 ? null : response.json();
  }

  // --- the live feed: reconnects by itself, starting each time from a fresh snapshot -------
  function feed(onMessage, onState) {
    let delayMs = 500;
    let socket = null;
    function open() {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      socket = new WebSocket(`${scheme}://${location.host}/ws/feed?token=${encodeURIComponent(key())}`);
      socket.onopen = () => { delayMs = 500; onState(true); };
      socket.onmessage = (event) => onMessage(JSON.parse(event.data));
      socket.onclose = (event) => {
        onState(false);
        if (event.code === 1008) { toLogin("key"); return; }
        setTimeout(open, delayMs);
        delayMs = Math.min(delayMs * 2, 10000);
      };
    }
    open();
    return { send: (message) => socket && socket.readyState === 1 && socket.send(JSON.stringify(message)) };
  }

  // --- the map: the region's own roads on a canvas, no tiles --------------------------------
  const ROAD_STYLE = {
    trunk: { color: "#c0392b", width: 3.0, minZoom: 0 },
    primary: { color: "#d35400", width: 2.5, minZoom: 0 },
    secondary: { color: "#e0a030", width: 2.0, minZoom: 0 },
    tertiary: { color: "#9a9a9a", width: 1.2, minZoom: 10 },
    unclassified: { color: "#b5b5b5", width: 0.8, minZoom: 12 },
    residential: { color: "#cccccc", width: 0.7, minZoom: 13 },
  };

  // Web Mercator at zoom 0, in pixels of a 256 px world: computed once per point.
  function project(lon, lat) {
    const sin = Math.sin((lat * Math.PI) / 180);
    return [((lon + 180) / 360) * 256, (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * 256];
  }

  function roadsLayer(layer) {
    const scale = layer.scale;
    const lines = layer.lines.map((line) => {
      const points = new Float64Array(line.length - 1);
      let x = line[1], y = line[2];
      for (let i = 1; i < line.length; i += 2) {
        if (i > 1) { x += line[i]; y += line[i + 1]; }
        const [px, py] = project(x / scale, y / scale);
        points[i - 1] = px;
        points[i] = py;
      }
      return { style: ROAD_STYLE[layer.classes[line[0]]] || ROAD_STYLE.residential, points };
    });
    // A coarse grid of the lines by their bounding boxes, so a tile draws only its own.
    const CELL = 0.05; // zoom-0 pixels (about 5 km)
    const cells = new Map();
    lines.forEach((line, index) => {
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (let i = 0; i < line.points.length; i += 2) {
        x0 = Math.min(x0, line.points[i]); x1 = Math.max(x1, line.points[i]);
        y0 = Math.min(y0, line.points[i + 1]); y1 = Math.max(y1, line.points[i + 1]);
      }
      for (let cx = Math.floor(x0 / CELL); cx <= Math.floor(x1 / CELL); cx++) {
        for (let cy = Math.floor(y0 / CELL); cy <= Math.floor(y1 / CELL); cy++) {
          const id = `${cx}:${cy}`;
          if (!cells.has(id)) cells.set(id, []);
          cells.get(id).push(index);
        }
      }
    });
    const Roads = L.GridLayer.extend({
      createTile(coords) {
        const tile = document.createElement("canvas");
        const size = this.getTileSize();
        const ratio = window.devicePixelRatio || 1;
        tile.width = size.x * ratio;
        tile.height = size.y * ratio;
        const ctx = tile.getContext("2d");
        ctx.scale(ratio, ratio);
        const zoomScale = 2 ** coords.z;
        const ox = coords.x * size.x, oy = coords.y * size.y;
        const margin = 2 / zoomScale;
        const gx0 = Math.floor((ox / zoomScale - margin) / CELL), gx1 = Math.floor(((ox + size.x) / zoomScale + margin) / CELL);
        const gy0 = Math.floor((oy / zoomScale - margin) / CELL), gy1 = Math.floor(((oy + size.y) / zoomScale + margin) / CELL);
        const seen = new Set();
        const byStyle = new Map();
        for (let cx = gx0; cx <= gx1; cx++) {
          for (let cy = gy0; cy <= gy1; cy++) {
            for (const index of cells.get(`${cx}:${cy}`) || []) {
              if (seen.has(index)) continue;
              seen.add(index);
              const line = lines[index];
              if (coords.z < line.style.minZoom) continue;
              if (!byStyle.has(line.style)) byStyle.set(line.style, []);
              byStyle.get(line.style).push(line.points);
            }
          }
        }
        ctx.lineCap = "round";
        ctx.lineJoin = "round";
        // Minor roads first, so that major roads are drawn on top.
        [...byStyle.entries()].sort((a, b) => a[0].width - b[0].width).forEach(([style, group]) => {
          ctx.strokeStyle = style.color;
          ctx.lineWidth = style.width;
          ctx.beginPath();
          for (const points of group) {
            ctx.moveTo(points[0] * zoomScale - ox, points[1] * zoomScale - oy);
            for (let i = 2; i < points.length; i += 2) {
              ctx.lineTo(points[i] * zoomScale - ox, points[i + 1] * zoomScale - oy);
            }
          }
          ctx.stroke();
        });
        return tile;
      },
    });
    return new Roads({ pane: "tilePane", updateWhenZooming: false, keepBuffer: 4 });
  }

  // Map symbols: the shape says what a thing is, the colour its state (colour alone is not
  // enough: a hospital and an ambulance once differed only by a 1.3:1 contrast).
  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attributes, ...children) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, value));
    children.forEach((child) => node.append(child));
    return node;
  }
  const SHAPES = {
    hospital: () => [svg("rect", { x: 1.5, y: 1.5, width: 17, height: 17, rx: 2 }),
      svg("path", { d: "M6.5 5.5v9M13.5 5.5v9M6.5 10h7", class: "glyph" })],
    call: () => [svg("path", { d: "M10 1.5 19 18.5H1z" }), svg("path", { d: "M10 7v5.5M10 14.5v1.5", class: "glyph" })],
    ambulance: () => [svg("circle", { cx: 10, cy: 10, r: 7 })],
    post: () => [svg("path", { d: "M10 1.5 18.5 10 10 18.5 1.5 10z" })],
  };
  function symbol(shape, state) {
    return svg("svg", { viewBox: "0 0 20 20", width: 20, height: 20, class: `sym sym-${shape} ${state || ""}` }, ...SHAPES[shape]());
  }
  function symbolIcon(shape, state) {
    return L.divIcon({ className: "map-sym", html: symbol(shape, state), iconSize: [20, 20], iconAnchor: [10, 10] });
  }

  // The river and hills, under the roads; place names from the region pack as labels, each
  // kind from the zoom at which it helps (districts always, streets only up close).
  const LABEL_ZOOM = { district: 9, village: 12, puskesmas: 14, landmark: 14, street: 15 };
  const MAX_LABELS = 250;
  function featuresLayer(features, view) {
    view.createPane("water").style.zIndex = 150; // below the roads' canvas (200)
    return L.geoJSON(features || { type: "FeatureCollection", features: [] }, {
      pane: "water", interactive: false, renderer: L.svg({ pane: "water" }), // a few shapes
      filter: (f) => ["river", "hills"].includes(f.properties.kind),
      style: (f) => (f.properties.kind === "river"
        ? { color: "#4f8fd6", weight: 5, opacity: 0.8, className: "river" }
        : { color: "#9cae7a", weight: 0, fillColor: "#c9d8a8", fillOpacity: 0.35, className: "hills" }),
    });
  }
  function labelsLayer(view, labels) {
    const group = L.layerGroup().addTo(view);
    function draw() {
      const zoom = view.getZoom(), bounds = view.getBounds().pad(0.1);
      const shown = labels.filter(([kind, , lon, lat]) => zoom >= LABEL_ZOOM[kind] && bounds.contains([lat, lon]));
      group.clearLayers();
      shown.slice(0, MAX_LABELS).forEach(([kind, name, lon, lat]) => {
        L.marker([lat, lon], {
          interactive: false, keyboard: false, pane: "overlayPane",
          icon: L.divIcon({ className: `place-label kind-${kind}`, html: el("span", { text: name }), iconSize: null }),
        }).addTo(group);
      });
    }
    view.on("zoomend moveend", draw);
    return draw;
  }
  // A legend of the map's symbols and lines, in the page's language (built again on a switch).
  function legendControl(items) {
    const control = L.control({ position: window.innerWidth > 700 ? "bottomleft" : "topright" });
    control.onAdd = () => {
      // Open on a wide screen, folded on a phone; the operator can fold it either way.
      const box = el("details", { class: "map-legend", open: window.innerWidth > 700 });
      const fill = () => box.replaceChildren(el("summary", { text: t("legend") }),
        el("div", { class: "legend-rows" }, ...items.map(([kind, state, key]) =>
          el("div", { class: "legend-row" },
            kind === "line" ? el("span", { class: `legend-line ${state}` }) : symbol(kind, state),
            el("span", { text: t(key) })))));
      fill();
      control.refresh = fill;
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    return control;
  }

  async function map(elementId, { legend } = {}) {
    const [region, layer, overlay] = await Promise.all([
      fetch("/api/region").then((r) => r.json()),
      fetch("/api/region/roads").then((r) => r.json()),
      fetch("/api/region/overlay").then((r) => r.json()).catch(() => ({ labels: [], features: null })),
    ]);
    const [west, south, east, north] = region.bbox;
    const bounds = L.latLngBounds([south, west], [north, east]);
    const view = L.map(elementId, {
      preferCanvas: true, zoomSnap: 0.5, maxBounds: bounds.pad(0.3), minZoom: 9, maxZoom: 17,
      attributionControl: true,
    });
    view.attributionControl.setPrefix(false);
    view.attributionControl.addAttribution(region.attribution);
    featuresLayer(overlay.features, view).addTo(view);
    roadsLayer(layer).addTo(view);
    const drawLabels = labelsLayer(view, overlay.labels);
    let legendBox = null;
    if (legend) legendBox = legendControl(legend).addTo(view);
    view.fitBounds(bounds);
    drawLabels();
    return { view, region, legend: legendBox };
  }

  // --- formatting -----------------------------------------------------------------------------
  function minutes(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    return `${Math.max(0, Math.round(seconds / 60))} ${t("minutes")}`;
  }

  function countdown(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const s = Math.max(0, Math.round(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function km(metres) {
    return metres === null || metres === undefined ? "–" : `${(metres / 1000).toFixed(1)} ${t("km")}`;
  }

  function clock(iso) {
    if (!iso) return t("never");
    return new Date(iso).toLocaleTimeString(lang() === "id" ? "id-ID" : "en-GB", { hour: "2-digit", minute: "2-digit" });
  }

  // Builds an element: el("li", {class: "x", text: "..."}, child, ...). Text is never parsed as HTML.
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    children.flat().forEach((child) => { if (child !== null && child !== undefined) node.append(child); });
    return node;
  }

  // Map tooltips as text: Leaflet parses a string as HTML, and these carry what people typed.
  function tip(text) {
    return el("span", { text: String(text) });
  }

  // Pages start here: no key in this tab means the login page.
  async function start(init) {
    if (!key()) { toLogin(); return; }
    applyTexts();
    let me;
    try {
      me = await api("/api/me");
    } catch (error) {
      if (error.status !== 401) document.body.append(el("p", { class: "error", text: t("error_network") }));
      return;
    }
    document.querySelectorAll("[data-me]").forEach((node) => { node.textContent = me.name; });
    document.querySelectorAll("[data-logout]").forEach((node) => node.addEventListener("click", () => toLogin()));
    await init(me);
  }

  return {
    t, lang, addTexts, applyTexts, languageSwitch, key, toLogin, api, ApiError, feed, map, minutes, countdown,
    km, clock, el, tip, start, KEY, symbolIcon,
  };
})();
