/* Cashier touchscreen, core: PIN sessions, order entry (tabs, grid, search, scanner, favourites, modifiers), the cart
   and order type, manager approval, shortcuts. pos-pay.js adds discounts and payments, pos-shift.js the shift's
   orders, refunds and the shift itself; they share what is exported on window.YagoPos. Talks to /api/v1 via api.js. */
"use strict";
(function () {
  const Y = window.Yago, T = Y.T, $ = (id) => document.getElementById(id);
  const S = {
    staff: null, catalog: null, products: new Map(), groups: new Map(), tab: "all", query: "",
    order: null, orderType: "takeaway", shift: null,
    favs: new Set(JSON.parse(localStorage.getItem("yago.favs") || "[]")),
  };

  /* ------------------------------------------------------------------ helpers */
  function uuid7() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    let ms = Date.now();
    for (let i = 5; i >= 0; i--) { b[i] = ms % 256; ms = Math.floor(ms / 256); }
    b[6] = (b[6] & 0x0f) | 0x70; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  let toastTimer = null;
  function toast(text) {
    const el = $("toast");
    el.textContent = text; el.classList.remove("hidden");
    clearTimeout(toastTimer); toastTimer = setTimeout(() => el.classList.add("hidden"), 2500);
  }
  function openDlg(id) { const d = $(id); if (!d.open) d.showModal(); return d; }
  function closeDlg(id) { const d = $(id); if (d.open) d.close(); }
  function setErr(id, err) { $(id).textContent = err ? (typeof err === "string" ? err : Y.problemText(err)) : ""; }
  document.addEventListener("click", (e) => {
    const c = e.target.closest("[data-close]");
    if (c) { const d = c.closest("dialog"); if (d) d.close(); }
  });

  /* keypads type into their target input; ⏎ submits the surrounding form (or the login) */
  document.querySelectorAll(".keypad").forEach((pad) => pad.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-key]"); if (!b) return;
    const input = $(pad.dataset.target), k = b.dataset.key;
    if (k === "C") input.value = "";
    else if (k === "⏎") { const f = input.closest("form"); if (f) f.requestSubmit(); else doLogin(); }
    else input.value += k;
    input.focus();
  }));

  /* ------------------------------------------------------------------ shared with pos-pay.js and pos-shift.js */
  const P = window.YagoPos = {
    state: S, keys: {}, $, esc, uuid7, toast, openDlg, closeDlg, setErr, guarded, enqueue,
    loadShift: async () => {},
  };

  /* ------------------------------------------------------------------ session */
  function showLogin(msg) {
    $("login").classList.remove("hidden");
    $("login-pin").value = ""; setErr("login-error", msg || "");
    setTimeout(() => $("login-pin").focus(), 0);
  }
  async function doLogin() {
    const pin = $("login-pin").value.trim();
    if (!pin) return;
    try {
      const s = await Y.post("/sessions/", { pin });
      S.staff = s.staff;
      $("login").classList.add("hidden");
      renderWho();
      await afterLogin();
    } catch (err) {
      $("login-pin").value = "";
      setErr("login-error", err.status === 401 || err.status === 403 ? T.wrong_pin : err);
    }
  }
  $("login-pin").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); doLogin(); } });
  function renderWho() { $("who").textContent = S.staff ? S.staff.name : ""; }
  async function switchCashier() {
    try { await Y.del("/sessions/current"); } catch (e) { /* already gone */ }
    S.staff = null; renderWho(); showLogin();
  }
  $("btn-switch").addEventListener("click", switchCashier);

  async function afterLogin() {
    await Promise.all([loadCatalog(), P.loadShift()]);
    if (S.order && S.order.status !== "draft") S.order = null;
    renderCart();
    $("search").focus();
  }

  /* any 401 from a session-bound call sends the cashier back to the PIN screen */
  async function guarded(fn) {
    try { return await fn(); } catch (err) {
      if (err instanceof Y.ApiError && err.status === 401 && err.code !== "device_token") { S.staff = null; showLogin(); }
      throw err;
    }
  }

  /* ------------------------------------------------------------------ catalog */
  async function loadCatalog() {
    const c = await guarded(() => Y.get("/catalog/"));
    S.catalog = c; S.products.clear(); S.groups.clear();
    for (const p of c.products) { S.products.set(p.id, p); for (const g of p.modifier_groups) S.groups.set(g.id, g); }
    renderTabs(); renderGrid();
  }
  function renderTabs() {
    const tabs = [{ id: "fav", name: "★ " + T.favourites, color: "" }, { id: "all", name: T.all, color: "" }]
      .concat(S.catalog.categories.map((c) => ({ id: c.id, name: c.name, color: c.color })));
    $("tabs").innerHTML = tabs.map((t, i) => `<button type="button" role="tab" data-tab="${t.id}" aria-pressed="${S.tab === t.id}"
      style="${t.color ? "border-left-color:" + esc(t.color) : ""}">${esc(t.name)}${i < 10 ? `<kbd>${i === 9 ? 0 : i + 1}</kbd>` : ""}</button>`).join("");
  }
  $("tabs").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-tab]"); if (!b) return;
    S.tab = b.dataset.tab; S.query = ""; $("search").value = ""; renderTabs(); renderGrid();
  });
  function visibleProducts() {
    const q = S.query.trim().toLowerCase();
    return S.catalog.products.filter((p) => {
      if (!p.active) return false;
      if (q) return p.name.toLowerCase().includes(q) || p.sku.toLowerCase().includes(q) || (p.barcode || "") === q;
      if (S.tab === "fav") return S.favs.has(p.id);
      return S.tab === "all" || p.category_id === S.tab;
    });
  }
  function renderGrid() {
    if (!S.catalog) return;
    const cats = new Map(S.catalog.categories.map((c) => [c.id, c]));
    const list = visibleProducts();
    $("grid").innerHTML = list.length ? list.map((p) => {
      const color = (cats.get(p.category_id) || {}).color || "";
      return `<button type="button" role="listitem" class="tile${p.available ? "" : " stopped"}" data-product="${p.id}" data-sku="${esc(p.sku)}"
        ${p.available ? "" : "disabled"} style="${color ? "border-left-color:" + esc(color) : ""}">
        <span class="name">${esc(p.name)}</span><span class="money">${Y.money(p.price)}</span>
        <span class="fav" role="button" data-fav="${p.id}" aria-label="★" aria-pressed="${S.favs.has(p.id)}">★</span></button>`;
    }).join("") : `<p class="empty">${esc(T.not_found)}</p>`;
  }
  $("grid").addEventListener("click", (e) => {
    const f = e.target.closest("[data-fav]");
    if (f) {
      e.stopPropagation();
      const id = f.dataset.fav;
      if (S.favs.has(id)) S.favs.delete(id); else S.favs.add(id);
      localStorage.setItem("yago.favs", JSON.stringify([...S.favs]));
      renderGrid(); return;
    }
    const b = e.target.closest("button[data-product]");
    if (b) pickProduct(S.products.get(b.dataset.product));
  });

  /* search box doubles as the scanner input: a scanner types the barcode and Enter */
  $("search").addEventListener("input", () => { S.query = $("search").value; renderGrid(); });
  $("search").addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    const code = $("search").value.trim();
    if (!code) return;
    const byCode = S.catalog.products.find((p) => p.barcode === code || p.sku.toLowerCase() === code.toLowerCase());
    const list = byCode ? [byCode] : visibleProducts();
    $("search").value = ""; S.query = "";
    if (list.length === 1) { renderGrid(); pickProduct(list[0]); }
    else if (/^\d{6,}$/.test(code)) { renderGrid(); toast(Y.fmt(T.scan_not_found, { code })); }
    else { S.query = code; $("search").value = code; renderGrid(); }
  });

  /* ------------------------------------------------------------------ modifiers */
  let modProduct = null, modSel = new Map();
  function pickProduct(p) {
    if (!p || !p.available) return;
    if (!p.modifier_groups.length) { addLine({ product_id: p.id, quantity: "1", modifiers: [], comment: "" }); return; }
    modProduct = p; modSel = new Map();
    for (const g of p.modifier_groups) modSel.set(g.id, new Set(g.options.filter((o) => o.is_default).map((o) => o.id)));
    $("mod-title").textContent = p.name; $("mod-qty").value = "1"; $("mod-comment").value = ""; setErr("mod-error", "");
    renderMods(); openDlg("dlg-modifiers");
    $("mod-add").focus();
  }
  function modPrice() {
    let unit = modProduct.price;
    for (const g of modProduct.modifier_groups) for (const o of g.options) if (modSel.get(g.id).has(o.id)) unit += o.price_delta;
    return unit;
  }
  function renderMods(invalid) {
    $("mod-groups").innerHTML = modProduct.modifier_groups.map((g) => {
      const sel = modSel.get(g.id);
      const rule = g.min_select > 0 ? Y.fmt(T.required, { min: g.min_select }) : g.max_select > 1 ? Y.fmt(T.at_most, { max: g.max_select }) : "";
      return `<fieldset class="group${invalid && invalid.has(g.id) ? " invalid" : ""}" data-group="${g.id}"><legend>${esc(g.name)}
        ${rule ? `<span class="muted">· ${esc(rule)}</span>` : ""}</legend><div class="options">${g.options.map((o) =>
        `<button type="button" data-option="${o.id}" aria-pressed="${sel.has(o.id)}">${esc(o.name)}${o.price_delta ? ` <span class="muted money">${o.price_delta > 0 ? "+" : ""}${Y.money(o.price_delta)}</span>` : ""}</button>`).join("")}</div></fieldset>`;
    }).join("");
    $("mod-price").textContent = Y.money(modPrice());
  }
  $("mod-groups").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-option]"); if (!b) return;
    const gid = b.closest("[data-group]").dataset.group, g = modProduct.modifier_groups.find((x) => x.id === gid);
    const sel = modSel.get(gid), id = b.dataset.option;
    if (sel.has(id)) sel.delete(id);
    else if (g.kind === "single") { sel.clear(); sel.add(id); }
    else if (sel.size < g.max_select) sel.add(id);
    else { setErr("mod-error", `${g.name}: ${Y.fmt(T.at_most, { max: g.max_select })}`); return; }
    setErr("mod-error", ""); renderMods();
  });
  $("mod-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const bad = new Set(), msgs = [];
    for (const g of modProduct.modifier_groups) {
      const n = modSel.get(g.id).size;
      if (n < g.min_select) { bad.add(g.id); msgs.push(`${g.name}: ${Y.fmt(T.required, { min: g.min_select })}`); }
      if (n > g.max_select) { bad.add(g.id); msgs.push(`${g.name}: ${Y.fmt(T.at_most, { max: g.max_select })}`); }
    }
    if (bad.size) { renderMods(bad); setErr("mod-error", msgs.join("; ")); return; }
    const qty = normQty($("mod-qty").value);
    if (!qty) { setErr("mod-error", T.qty); return; }
    const mods = [];
    for (const g of modProduct.modifier_groups) for (const o of g.options) if (modSel.get(g.id).has(o.id)) mods.push(o.id);
    closeDlg("dlg-modifiers");
    addLine({ product_id: modProduct.id, quantity: qty, modifiers: mods, comment: $("mod-comment").value.trim() });
  });
  function normQty(text) {
    const t = String(text || "").trim().replace(",", ".");
    if (!/^\d{1,6}(\.\d{1,3})?$/.test(t) || parseFloat(t) <= 0) return null;
    return t;
  }

  /* ------------------------------------------------------------------ cart */
  function itemsOf(order) {
    return (order ? order.lines : []).map((l) => ({ product_id: l.product_id, quantity: l.quantity,
      modifiers: l.modifiers.map((m) => m.option_id), comment: l.comment }));
  }
  const sameLine = (a, b) => a.product_id === b.product_id && a.comment === b.comment &&
    a.modifiers.slice().sort().join() === b.modifiers.slice().sort().join();
  function addQty(a, b) {
    const sum = (parseFloat(a) + parseFloat(b)).toFixed(3).replace(/\.?0+$/, "");
    return sum;
  }
  let queue = Promise.resolve();
  /* edits run one after another, so quick taps never race each other */
  function enqueue(fn) { queue = queue.then(fn, fn); return queue; }
  function addLine(item) {
    return enqueue(async () => {
      try {
        if (!S.order || S.order.status !== "draft") {
          S.order = await guarded(() => Y.post("/orders/", headerBody({ items: [item] }), { "Idempotency-Key": uuid7() }));
        } else {
          const items = itemsOf(S.order);
          const same = items.find((i) => sameLine(i, item));
          if (same) same.quantity = addQty(same.quantity, item.quantity); else items.push(item);
          S.order = await guarded(() => Y.put(`/orders/${S.order.id}/items`, { items }));
        }
        renderCart(item.product_id);
      } catch (err) { toast(Y.problemText(err)); }
    });
  }
  function headerBody(extra) {
    const body = { order_type: S.orderType };
    if (S.orderType === "dine_in" && $("table-no").value.trim()) body.table = $("table-no").value.trim();
    if (S.orderType === "delivery") body.delivery_address = $("delivery-address").value.trim() || null;
    return Object.assign(body, extra || {});
  }
  function renderCart(flashProduct) {
    const o = S.order;
    const quiet = ["draft", "paid", "fiscalized"];
    $("order-title").textContent = o ? `${T.order} № ${o.number}${quiet.includes(o.status) ? "" : " · " + statusName(o.status)}` : T.order;
    $("lines").innerHTML = o && o.lines.length ? o.lines.map((l, i) => `<div class="line${flashProduct && l.product_id === flashProduct ? " flash" : ""}" data-line="${i}" role="button" tabindex="0">
        <span><strong>${esc(l.name)}</strong> × ${esc(l.quantity)}</span><span class="money">${Y.money(l.amount)}</span>
        ${l.modifiers.length ? `<span class="mods">${esc(l.modifiers.map((m) => m.name).join(", "))}</span>` : ""}
        ${l.comment ? `<span class="comment">💬 ${esc(l.comment)}</span>` : ""}</div>`).join("")
      : `<p class="empty">${esc(T.empty_cart)}</p>`;
    $("subtotal").textContent = Y.money(o ? o.subtotal : 0);
    $("discount").textContent = Y.money(o ? -o.discount_total : 0);
    $("total").textContent = Y.money(o ? o.total : 0) + " ₽";
    const st = o ? o.status : null;
    const steps = { created: !!o, paid: !!o && (o.paid_total >= o.total && o.total > 0 || ["paid", "fiscalizing", "fiscalized", "refunded", "partially_refunded"].includes(st)),
      fiscalized: ["fiscalized", "refunded", "partially_refunded"].includes(st) };
    document.querySelectorAll("#lights span").forEach((s) => s.classList.toggle("on", !!steps[s.dataset.step]));
    $("lights").dataset.status = st || "";
    const draft = !!o && st === "draft" && o.lines.length > 0 && o.total >= 0;
    ["btn-cash", "btn-card", "btn-split"].forEach((id) => { $(id).disabled = !draft || !S.shift; });
    $("btn-discount").disabled = !(o && st === "draft" && o.lines.length);
    $("btn-cancel-order").disabled = !(o && st === "draft");
    $("btn-reprint").disabled = !(o && ["fiscalized", "paid"].includes(st));
    document.querySelectorAll(".ordertype button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.type === S.orderType)));
    $("table-no").classList.toggle("hidden", S.orderType !== "dine_in");
    $("delivery-address").classList.toggle("hidden", S.orderType !== "delivery");
  }
  function statusName(st) {
    return { draft: T.draft, paying: T.paying, paid: T.status_paid, fiscalizing: T.fiscalizing, fiscalized: T.status_fiscalized,
      cancelled: T.cancelled_status, refunded: T.refunded_status, partially_refunded: T.partially_refunded }[st] || st;
  }

  /* line edit: quantity, comment, remove */
  let editIndex = -1;
  $("lines").addEventListener("click", (e) => {
    const el = e.target.closest("[data-line]"); if (!el || !S.order || S.order.status !== "draft") return;
    editIndex = parseInt(el.dataset.line, 10);
    const l = S.order.lines[editIndex];
    $("line-title").textContent = l.name; $("line-qty").value = l.quantity; $("line-comment").value = l.comment; setErr("line-error", "");
    openDlg("dlg-line");
  });
  $("line-minus").addEventListener("click", () => { const q = parseFloat($("line-qty").value || "1") - 1; if (q > 0) $("line-qty").value = String(q); });
  $("line-plus").addEventListener("click", () => { $("line-qty").value = String(parseFloat($("line-qty").value || "0") + 1); });
  function saveItems(items, dlg, errId) {
    return enqueue(async () => {
      try {
        S.order = await guarded(() => Y.put(`/orders/${S.order.id}/items`, { items }));
        if (dlg) closeDlg(dlg);
        renderCart();
      } catch (err) { setErr(errId, err); }
    });
  }
  $("line-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const qty = normQty($("line-qty").value);
    if (!qty) { setErr("line-error", T.qty); return; }
    const items = itemsOf(S.order);
    items[editIndex].quantity = qty; items[editIndex].comment = $("line-comment").value.trim();
    saveItems(items, "dlg-line", "line-error");
  });
  $("line-remove").addEventListener("click", () => {
    const items = itemsOf(S.order); items.splice(editIndex, 1); saveItems(items, "dlg-line", "line-error");
  });

  /* order type */
  document.querySelector(".ordertype").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-type]"); if (!b) return;
    S.orderType = b.dataset.type; renderCart();
    if (S.orderType === "dine_in") $("table-no").focus();
    if (S.orderType === "delivery") $("delivery-address").focus();
    else patchHeader();
  });
  ["table-no", "delivery-address"].forEach((id) => $(id).addEventListener("change", patchHeader));
  /* queued behind any pending edit, so a type chosen while the order is still being created is not lost */
  function patchHeader() {
    enqueue(async () => {
      if (!S.order || S.order.status !== "draft") return;
      const body = headerBody();
      if (S.orderType !== "dine_in") body.table = null;
      if (S.orderType === "delivery" && !body.delivery_address) return;
      try { S.order = await guarded(() => Y.patch(`/orders/${S.order.id}`, body)); renderCart(); } catch (err) { toast(Y.problemText(err)); }
    });
  }


  function newOrder() {
    S.order = null; S.orderType = "takeaway"; $("table-no").value = ""; $("delivery-address").value = "";
    renderCart(); $("search").focus();
  }
  $("btn-new").addEventListener("click", newOrder);
  $("btn-cancel-order").addEventListener("click", () => {
    if (!S.order) return;
    enqueue(async () => {
      try { await guarded(() => Y.post(`/orders/${S.order.id}/cancel`, { reason: "" })); newOrder(); toast(T.cancelled); }
      catch (err) { toast(Y.problemText(err)); }
    });
  });

  /* ------------------------------------------------------------------ manager approval */
  function askManager(reason) {
    return new Promise((resolve) => {
      $("mgr-reason").textContent = reason || T.manager_needed; $("mgr-pin").value = ""; setErr("mgr-error", "");
      const d = openDlg("dlg-manager");
      const onSubmit = (e) => { e.preventDefault(); const pin = $("mgr-pin").value.trim(); if (!pin) return; cleanup(); d.close(); resolve(pin); };
      const onClose = () => { cleanup(); resolve(null); };
      function cleanup() { $("mgr-form").removeEventListener("submit", onSubmit); d.removeEventListener("close", onClose); }
      $("mgr-form").addEventListener("submit", onSubmit); d.addEventListener("close", onClose);
      setTimeout(() => $("mgr-pin").focus(), 0);
    });
  }
  const needsApproval = (err) => err instanceof Y.ApiError && (err.code === "approval_required" || err.code === "manager_approval_required" ||
    (err.status === 403 && /approv/i.test(err.code)));

  /* ------------------------------------------------------------------ keyboard */
  Object.assign(P.keys, { F2: () => $("search").focus(), F9: newOrder, F12: switchCashier });
  const KEYS = P.keys;
  document.addEventListener("keydown", (e) => {
    if (!S.staff) return;
    if (KEYS[e.key]) { e.preventDefault(); KEYS[e.key](); return; }
    const inDialog = document.querySelector("dialog[open]");
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (inDialog || typing) return;
    if (e.altKey && /^[0-9]$/.test(e.key)) { const tabs = $("tabs").querySelectorAll("button"); const i = e.key === "0" ? 9 : parseInt(e.key, 10) - 1; if (tabs[i]) tabs[i].click(); e.preventDefault(); return; }
    /* a scanner types into whatever has focus: steer stray keystrokes into the search box */
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey) { $("search").focus(); }
  });

  /* ------------------------------------------------------------------ start (after every pos-*.js has loaded) */
  Object.assign(P, { renderCart, askManager, needsApproval, statusName, newOrder });
  window.addEventListener("DOMContentLoaded", async () => {
    renderCart();
    try {
      const me = await Y.get("/sessions/current");
      S.staff = me; renderWho(); await afterLogin();
    } catch (err) { showLogin(err instanceof Y.ApiError && err.status === 401 ? "" : Y.problemText(err)); }
  });
})();
