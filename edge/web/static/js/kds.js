/* Kitchen display: the board arrives over server-sent events (htmx sse); this script signs the kitchen in by PIN
   (bumping changes orders, so it needs a session), ticks the age timers between updates and shows failed bumps. */
"use strict";
(function () {
  const Y = window.Yago, $ = (id) => document.getElementById(id);

  function tick() {
    const now = Date.now();
    document.querySelectorAll(".timer[data-since]").forEach((el) => {
      const s = Math.max(0, Math.floor((now - Date.parse(el.dataset.since)) / 1000));
      el.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
      const t = el.closest(".ticket");
      if (t && t.dataset.status !== "ready") { t.classList.toggle("late", s > 420 && s <= 900); t.classList.toggle("very-late", s > 900); }
    });
  }
  setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSettle", tick);
  document.body.addEventListener("htmx:sseMessage", tick);

  function showLogin(msg) {
    $("login").classList.remove("hidden"); $("login-pin").value = ""; $("login-error").textContent = msg || "";
    setTimeout(() => $("login-pin").focus(), 0);
  }
  async function doLogin() {
    const pin = $("login-pin").value.trim(); if (!pin) return;
    try {
      const s = await Y.post("/sessions/", { pin });
      $("who").textContent = s.staff.name; $("login").classList.add("hidden");
    } catch (err) { $("login-pin").value = ""; $("login-error").textContent = err.status === 401 || err.status === 403 ? Y.T.wrong_pin : Y.problemText(err); }
  }
  $("login-pin").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); doLogin(); } });
  document.querySelector(".keypad").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-key]"); if (!b) return;
    const k = b.dataset.key, input = $("login-pin");
    if (k === "C") input.value = ""; else if (k === "⏎") doLogin(); else input.value += k;
  });
  /* a bump answered 401 means the session ended: ask for the PIN again */
  document.body.addEventListener("htmx:afterRequest", (e) => {
    if (e.detail.xhr && e.detail.xhr.status === 401) showLogin();
  });
  Y.get("/sessions/current").then((me) => { $("who").textContent = me.name; }, () => showLogin());
})();
