/* The register API from the browser: JSON over fetch with the box's device token; the session travels in
   the httponly cookie the API sets at PIN login. Errors come back as Problem Details and are thrown as ApiError. */
"use strict";
(function () {
  const cfg = JSON.parse(document.getElementById("yago-config").textContent);
  const T = cfg.strings;

  class ApiError extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.title)) || String(status));
      this.status = status;
      this.code = (body && body.code) || "http_error";
      this.title = (body && body.title) || "";
      this.body = body || {};
    }
  }

  async function call(method, path, body, headers) {
    const init = {
      method,
      credentials: "same-origin",
      headers: Object.assign({ "X-Device-Token": cfg.deviceToken, Accept: "application/json" }, headers || {}),
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch("/api/v1" + path, init);
    const text = await res.text();
    let data = null;
    if (text) { try { data = JSON.parse(text); } catch (e) { data = { detail: text }; } }
    if (!res.ok) throw new ApiError(res.status, data);
    return data && Object.prototype.hasOwnProperty.call(data, "data") && !data.meta ? data.data : data;
  }

  function money(k) {
    if (typeof k !== "number" || isNaN(k)) return "";
    const sign = k < 0 ? "−" : "";
    k = Math.abs(Math.round(k));
    const rub = Math.floor(k / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
    return sign + rub + "," + String(k % 100).padStart(2, "0");
  }

  /* "150" → 15000, "150,5" → 15050, "" → null */
  function parseMoney(text) {
    const t = String(text || "").trim().replace(/\s/g, "").replace(",", ".");
    if (!t) return null;
    if (!/^\d+(\.\d{0,2})?$/.test(t)) return NaN;
    const [r, k = ""] = t.split(".");
    return parseInt(r, 10) * 100 + parseInt((k + "00").slice(0, 2), 10);
  }

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, k) => (values[k] !== undefined ? values[k] : ""));
  }

  /* the API's titles are English: show our own words for the codes we know, the API's text otherwise */
  function problemText(err) {
    if (!(err instanceof ApiError)) return T.error + (err && err.message ? ": " + err.message : "");
    // a problem with a "reason" may have words of its own for it (p_<code>_<reason>)
    const known = (typeof err.body.reason === "string" && T["p_" + err.code + "_" + err.body.reason]) || T["p_" + err.code];
    if (known) return known;
    return err.title && err.body.detail && err.body.detail !== err.title ? err.title + " — " + err.body.detail : (err.title || err.message);
  }

  window.Yago = { cfg, T, ApiError, call, money, parseMoney, fmt, problemText,
    get: (p) => call("GET", p), post: (p, b, h) => call("POST", p, b === undefined ? {} : b, h),
    put: (p, b, h) => call("PUT", p, b, h), patch: (p, b, h) => call("PATCH", p, b, h), del: (p, h) => call("DELETE", p, undefined, h) };
})();
