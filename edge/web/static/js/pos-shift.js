/* Cashier touchscreen, back office: the shift's orders (open, reprint, refund with a manager's PIN) and the shift
   (open with a float, cash in/out, X report, close with the counted cash and the Z report). */
"use strict";
(function () {
  const Y = window.Yago, T = Y.T, P = window.YagoPos, S = P.state;
  const { $, esc, uuid7, toast, openDlg, closeDlg, setErr, guarded, enqueue } = P;
  const renderCart = (...a) => P.renderCart(...a), askManager = (r) => P.askManager(r), needsApproval = (e) => P.needsApproval(e);
  const statusName = (s) => P.statusName(s);
  /* ------------------------------------------------------------------ orders of the shift, refunds */
  $("btn-orders").addEventListener("click", openOrders);
  async function openOrders() {
    setErr("orders-error", ""); openDlg("dlg-orders");
    $("orders-body").innerHTML = "";
    try {
      const since = S.shift && S.shift.opened_at ? S.shift.opened_at : new Date(Date.now() - 86400000).toISOString();
      const q = `?dateFrom=${encodeURIComponent(since)}&limit=200&sort=-created_at`;
      const page = await guarded(() => Y.call("GET", "/orders/" + q));
      const list = (Array.isArray(page) ? page : page.data).filter((o) => o.status !== "draft" || o.lines.length);
      $("orders-body").innerHTML = list.map((o) => `<tr data-order="${o.id}"><td>${esc(o.number)}</td>
        <td>${esc(new Date(o.created_at).toLocaleTimeString(Y.cfg.lang, { hour: "2-digit", minute: "2-digit" }))}</td>
        <td>${esc(statusName(o.status))}</td><td class="money">${Y.money(o.total)}</td><td class="row">
        <button type="button" data-act="open">${esc(T.order)}</button>
        ${["fiscalized", "paid"].includes(o.status) ? `<button type="button" data-act="reprint">${esc(T.reprint)}</button>` : ""}
        ${o.locked || ["paid", "fiscalizing"].includes(o.status) ? `<button type="button" data-act="finish" class="primary" title="${esc(o.lock_reason || "")}">${esc(T.finish)}</button>` : ""}
        ${o.status === "fiscalizing" ? `<button type="button" data-act="name-fd">${esc(T.enter_fd)}</button>` : ""}
        ${["fiscalized", "partially_refunded"].includes(o.status) && !o.locked ? `<button type="button" data-act="refund" class="danger">${esc(T.refund)}</button>` : ""}</td></tr>`).join("");
    } catch (err) { setErr("orders-error", err); }
  }
  $("orders-body").addEventListener("click", async (e) => {
    const b = e.target.closest("button[data-act]"); if (!b) return;
    const id = b.closest("tr").dataset.order;
    if (b.dataset.act === "reprint") return P.reprint(id);
    if (b.dataset.act === "name-fd") return openNameFd(id);
    if (b.dataset.act === "finish") {
      /* a receipt or a refund a device left unfinished: resolve it through the devices and go on */
      try { await guarded(() => Y.post(`/orders/${id}/fiscalize`, {})); toast(T.finished); openOrders(); }
      catch (err) { setErr("orders-error", err); }
      return;
    }
    try {
      const o = await guarded(() => Y.get(`/orders/${id}`));
      if (b.dataset.act === "open") { S.order = o; S.orderType = o.order_type; closeDlg("dlg-orders"); renderCart(); }
      else { closeDlg("dlg-orders"); openRefund(o); }
    } catch (err) { setErr("orders-error", err); }
  });

  /* a sale the devices cannot settle (several receipts match): a manager records the FD on the customer's receipt */
  let fdOrder = null;
  function openNameFd(id) {
    fdOrder = id; $("fd-number").value = ""; setErr("fd-error", ""); openDlg("dlg-fd");
    setTimeout(() => $("fd-number").focus(), 0);
  }
  $("fd-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const raw = $("fd-number").value.trim();
    if (!/^[0-9]{1,10}$/.test(raw) || Number(raw) < 1) { setErr("fd-error", T.enter_fd); return; }
    const body = { document_number: Number(raw) };
    const run = (pin) => Y.post(`/orders/${fdOrder}/fiscalize`, pin ? Object.assign({ approval_pin: pin }, body) : body);
    try {
      if (S.staff && ["manager", "owner", "admin"].includes(S.staff.role)) await guarded(() => run(null));
      else {
        closeDlg("dlg-fd");
        const pin = await askManager(T.manager_needed);
        if (!pin) return;
        openDlg("dlg-fd");
        await guarded(() => run(pin));
      }
      closeDlg("dlg-fd"); toast(T.fd_recorded); openOrders();
    } catch (err) { openDlg("dlg-fd"); setErr("fd-error", err); }
  });

  let refundOrder = null;
  function openRefund(o) {
    refundOrder = o; setErr("refund-error", ""); $("refund-reason").value = "";
    $("refund-lines").innerHTML = o.lines.map((l) => {
      const left = (parseFloat(l.quantity) - parseFloat(l.refunded_quantity || "0"));
      return `<label class="row"><input type="checkbox" data-refund-line="${l.id}" data-left="${left}" ${left > 0 ? "checked" : "disabled"} style="min-width:32px;min-height:32px;flex:none">
        <span>${esc(l.name)} × ${esc(left)}</span><span class="money">${Y.money(l.amount - (l.refunded_amount || 0))}</span></label>`;
    }).join("");
    updateRefundAmount(); openDlg("dlg-refund");
  }
  function updateRefundAmount() {
    if (!refundOrder) return;
    let sum = 0;
    document.querySelectorAll("[data-refund-line]").forEach((c) => {
      const l = refundOrder.lines.find((x) => x.id === c.dataset.refundLine);
      if (c.checked && l) sum += l.amount - (l.refunded_amount || 0);
    });
    $("refund-amount").textContent = Y.money(sum);
  }
  $("refund-lines").addEventListener("change", updateRefundAmount);
  $("refund-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const checks = [...document.querySelectorAll("[data-refund-line]")].filter((c) => !c.disabled);
    const chosen = checks.filter((c) => c.checked);
    if (!chosen.length) { setErr("refund-error", T.amount); return; }
    const body = { reason: $("refund-reason").value.trim() };
    if (chosen.length !== checks.length) body.lines = chosen.map((c) => ({ line_id: c.dataset.refundLine, quantity: String(c.dataset.left) }));
    const run = async (pin) => Y.post(`/orders/${refundOrder.id}/refund`, pin ? Object.assign({ approval_pin: pin }, body) : body);
    try {
      let r;
      if (S.staff && ["manager", "owner", "admin"].includes(S.staff.role)) r = await guarded(() => run(null));
      else {
        closeDlg("dlg-refund");
        const pin = await askManager(T.manager_needed);
        if (!pin) return;
        r = await guarded(() => run(pin));
      }
      closeDlg("dlg-refund");
      S.order = r.order || r; renderCart(); toast(T.refunded);
    } catch (err) {
      if (!$("dlg-refund").open) { openDlg("dlg-refund"); }
      setErr("refund-error", err);
    }
  });

  /* ------------------------------------------------------------------ shift */
  async function loadShift() {
    try { S.shift = await guarded(() => Y.get("/shifts/current")); } catch (err) { if (err.status === 404) S.shift = null; else throw err; }
    if (S.shift && S.shift.status && S.shift.status !== "open") S.shift = null;
    const pill = $("shift-pill");
    pill.textContent = S.shift ? `${T.shift_opened} № ${S.shift.number}` : T.shift_closed;
    pill.title = S.shift ? "" : T.no_shift;
    pill.className = "pill " + (S.shift ? "ok" : "warn");
    renderCart();
  }
  $("btn-shift").addEventListener("click", openShift);
  /* the shift may have been opened or closed on another screen: ask before showing what can be done */
  async function openShift() {
    try { await loadShift(); } catch (err) { /* show what we knew; the action will say what is wrong */ }
    setErr("shift-error", ""); $("shift-amount").value = ""; $("shift-reason").value = ""; $("shift-report").classList.add("hidden");
    renderShiftDialog(); openDlg("dlg-shift"); $("shift-amount").focus();
  }
  /* what the dialog offers follows the shift: after a Z it offers opening the next one */
  function renderShiftDialog() {
    const open = !!S.shift;
    $("shift-info").textContent = open ? `${T.shift_opened} № ${S.shift.number}` : T.no_shift;
    $("shift-open").classList.toggle("hidden", open);
    ["shift-close", "shift-cash-in", "shift-cash-out", "shift-x"].forEach((id) => $(id).classList.toggle("hidden", !open));
  }
  async function shiftAction(fn, okText) {
    setErr("shift-error", "");
    try { const r = await guarded(fn); await loadShift(); renderShiftDialog(); toast(okText); return r; } catch (err) { setErr("shift-error", err); return null; }
  }
  function amountField(required) {
    const v = Y.parseMoney($("shift-amount").value);
    if (v === null && !required) return 0;
    if (!(v >= 0)) { setErr("shift-error", T.amount); return null; }
    return v;
  }
  $("shift-open").addEventListener("click", async () => {
    const v = amountField(false); if (v === null) return;
    if (await shiftAction(() => Y.post("/shifts/open", { float: v }), T.shift_opened)) closeDlg("dlg-shift");
  });
  $("shift-close").addEventListener("click", async () => {
    const v = amountField(true); if (v === null) return;
    const body = { counted: { cash: v } };
    setErr("shift-error", "");
    try { const r = await guarded(() => Y.post("/reports/z", body)); await loadShift(); renderShiftDialog(); toast(T.shift_closed); showReport(r); }
    catch (err) {
      /* only orders locked until the registrar answers stand in the way: a manager may close past them */
      const b = err instanceof Y.ApiError && err.code === "orders_in_checkout" ? err.body : null;
      const locked = b ? b.locked_orders || [] : [];
      if (!b || !(b.orders || []).length || !b.orders.every((n) => locked.includes(n))) { setErr("shift-error", err); return; }
      const pin = await askManager(Y.fmt(T.close_unresolved, { orders: b.orders.join(", ") }));
      if (!pin) { setErr("shift-error", err); return; }
      const r = await shiftAction(() => Y.post("/reports/z", Object.assign({ close_unresolved: true, approval_pin: pin }, body)), T.shift_closed);
      if (r) showReport(r);
    }
  });
  async function cashMove(direction) {
    const v = amountField(true); if (!v) { setErr("shift-error", T.amount); return; }
    const body = { amount: v, reason: $("shift-reason").value.trim() };
    try { await guarded(() => Y.post(`/cash/${direction}`, body)); toast(direction === "in" ? T.cash_in : T.cash_out); $("shift-amount").value = ""; }
    catch (err) {
      if (needsApproval(err)) {
        const pin = await askManager(Y.problemText(err));
        if (pin) { try { await Y.post(`/cash/${direction}`, Object.assign({ approval_pin: pin }, body)); toast(T.done); $("shift-amount").value = ""; } catch (e2) { setErr("shift-error", e2); } }
      } else setErr("shift-error", err);
    }
  }
  $("shift-cash-in").addEventListener("click", () => cashMove("in"));
  $("shift-cash-out").addEventListener("click", () => cashMove("out"));
  $("shift-x").addEventListener("click", async () => {
    try { showReport(await guarded(() => Y.post("/reports/x/print", {}))); }
    catch (err) {
      /* no printer or fiscal registrar problem: still show the figures */
      try { showReport(await guarded(() => Y.get("/reports/x"))); setErr("shift-error", err); } catch (err2) { setErr("shift-error", err2); }
    }
  });
  /* another screen on the LAN (a kitchen display, a second till screen) is paired by a one-time code */
  $("shift-pair").addEventListener("click", async () => {
    setErr("shift-error", "");
    const show = (r) => {
      $("shift-report").textContent = `${T.pairing_code}: ${r.code}\n` + T.pairing_hint.replace("%(minutes)s", Math.round(r.valid_seconds / 60));
      $("shift-report").classList.remove("hidden");
    };
    try { show(await guarded(() => Y.post("/screens/pairing-codes", {}))); }
    catch (err) {
      if (!needsApproval(err)) { setErr("shift-error", err); return; }
      const pin = await askManager(Y.problemText(err));
      if (pin) { try { show(await Y.post("/screens/pairing-codes", { approval_pin: pin })); } catch (e2) { setErr("shift-error", e2); } }
    }
  });
  function showReport(r) {
    const pay = { cash: T.pay_cash, card: T.pay_card, loyalty: T.pay_loyalty };
    const rows = [`${r.kind === "z" ? T.z_report : T.x_report}${r.shift ? " · № " + r.shift.number : ""}`,
      `${T.rep_orders}: ${r.orders_count} · ${T.rep_refunds}: ${r.refunds_count}`];
    for (const t of r.tenders || []) {
      if (!t.sales && !t.refunds && t.method !== "cash") continue;
      rows.push(`${pay[t.method] || t.method}: ${T.rep_sales} ${Y.money(t.sales)} · ${T.rep_refunds} ${Y.money(t.refunds)}`);
    }
    rows.push(`${T.cash_in}: ${Y.money(r.cash_in)} · ${T.cash_out}: ${Y.money(r.cash_out)}`);
    rows.push(`${T.rep_expected}: ${Y.money(r.expected_cash)}`);
    if (r.counted_cash != null) rows.push(`${T.rep_counted}: ${Y.money(r.counted_cash)} · ${T.rep_difference}: ${Y.money(r.difference || 0)}`);
    for (const n of r.unresolved_orders || []) rows.push("⚠ " + Y.fmt(T.order_left_locked, { number: n }));
    for (const w of r.warnings || []) if (!w.startsWith("order_unresolved:")) rows.push("⚠ " + w);
    $("shift-report").textContent = rows.join("\n"); $("shift-report").classList.remove("hidden");
  }

  Object.assign(P, { loadShift });
  Object.assign(P.keys, { F3: openOrders, F4: openShift });
})();
