// Log in with a key: the key's role opens the console (operators), the board (a hospital), the
// reports (the health office) or the crew's app.
"use strict";

(() => {
  const { t, api, applyTexts, languageSwitch, KEY } = Satria;
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");

  function show(message) {
    error.textContent = message;
    error.hidden = false;
  }

  applyTexts();
  languageSwitch(document.getElementById("language"));
  const reason = new URLSearchParams(location.search).get("error");
  if (reason === "key") show(t("error_key"));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = form.key.value.trim();
    let me;
    try {
      me = await api("/api/me", { withKey: key });
    } catch (failure) {
      show(failure.status === 401 ? t("error_key") : t("error_network"));
      return;
    }
    if (me.role === "operator" || me.role === "admin") {
      sessionStorage.setItem(KEY, key);
      location.assign("/console");
    } else if (me.role === "health-office") {
      sessionStorage.setItem(KEY, key);
      location.assign("/reports");
    } else if (me.role === "hospital" && me.hospital_id) {
      sessionStorage.setItem(KEY, key);
      location.assign(`/board/${encodeURIComponent(me.hospital_id)}`);
    } else if (me.role === "crew" && me.ambulance_id) {
      localStorage.setItem("satria.crew.key", key); // the crew app keeps it on the phone
      location.assign("/crew/");
    } else {
      show(t("error_role"));
    }
  });
})();
