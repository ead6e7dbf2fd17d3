/* Cashier touchscreen, money: discounts (a manager approves above the threshold), cash with tendered and change,
   card with the terminal's live prompts and cancel, split (cash part, then the rest on the card), receipt reprint. */
"use strict";
(function () {
  const Y = window.Yago, T = Y.T, P = window.YagoPos, S = P.state;
  const { $, esc, uuid7, toast, openDlg, closeDlg, setErr, guarded, enqueue } = P;
  const renderCart = (...a) => P.renderCart(...a), askManager = (r) => P.askManager(r), needsApproval = (e) => P.needsApproval(e);
  const statusName = (s) => P.statusName(s);
  /* ------------------------------------------------------------------ discount */
  let discKind = "percent";
  $("btn-discount").addEventListener("click", () => {
    if (!S.order) return;
    const d = S.order.discount;
    discKind = d ? d.kind : "percent";
    $("disc-value").value = d ? (d.kind === "amount" ? Y.money(d.value).replace(/\u00a0/g, "") : String(d.value)) : "";
    $("disc-promo").value = S.order.promo_code || ""; setErr("disc-error", "");
    document.querySelectorAll("[data-disc-kind]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.discKind === discKind)));
    openDlg("dlg-discount"); $("disc-value").focus();
  });
  document.querySelectorAll("[data-disc-kind]").forEach((b) => b.addEventListener("click", () => {
    discKind = b.dataset.discKind;
    document.querySelectorAll("[data-disc-kind]").forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
  }));
  async function applyDiscount(body) {
    try {
      S.order = await guarded(() => Y.patch(`/orders/${S.order.id}`, body));
      closeDlg("dlg-discount"); renderCart();
    } catch (err) {
      if (needsApproval(err)) {
        closeDlg("dlg-discount");
        const pin = await askManager(Y.problemText(err));
        if (pin) {
          try { S.order = await guarded(() => Y.patch(`/orders/${S.order.id}`, Object.assign({}, body, { approval_pin: pin }))); renderCart(); }
          catch (err2) { toast(Y.problemText(err2)); }
        }
      } else setErr("disc-error", err);
    }
  }
  $("disc-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const raw = $("disc-value").value.trim(), body = {};
    if (raw) {
      const value = discKind === "percent" ? parseInt(raw, 10) : Y.parseMoney(raw);
      if (!(value >= 0)) { setErr("disc-error", T.discount); return; }
      body.discount = { kind: discKind, value };
    }
    const promo = $("disc-promo").value.trim();
    if (promo !== (S.order.promo_code || "")) body.promo_code = promo || null;
    enqueue(() => applyDiscount(body));
  });
  $("disc-clear").addEventListener("click", () => enqueue(() => applyDiscount({ discount: null, promo_code: null })));

  /* ------------------------------------------------------------------ payment */
  function due() { return S.order ? (typeof S.order.due === "number" ? S.order.due : S.order.total - S.order.paid_total) : 0; }
  async function afterPaid(result) {
    S.order = result.order || S.order;
    renderCart();
    if (result.warnings && result.warnings.length) toast(result.warnings.join("; "));
    /* the light stays on the finished order; the next tap on a product starts a new one */
  }

  $("btn-cash").addEventListener("click", () => openCash());
  function openCash() {
    if ($("btn-cash").disabled) return;
    $("cash-due").textContent = Y.money(due()); $("cash-tendered").value = ""; $("cash-change").textContent = "0,00"; setErr("cash-error", "");
    const d = due(), quick = [d, Math.ceil(d / 10000) * 10000, Math.ceil(d / 50000) * 50000, Math.ceil(d / 100000) * 100000, 500000]
      .filter((v, i, a) => v >= d && a.indexOf(v) === i).slice(0, 4);
    $("cash-quick").innerHTML = quick.map((v) => `<button type="button" data-quick="${v}">${Y.money(v)}</button>`).join("");
    openDlg("dlg-cash"); $("cash-tendered").focus();
  }
  $("cash-quick").addEventListener("click", (e) => {
    const b = e.target.closest("[data-quick]"); if (!b) return;
    $("cash-tendered").value = Y.money(parseInt(b.dataset.quick, 10)).replace(/\u00a0/g, ""); updateChange();
  });
  function updateChange() {
    const t = Y.parseMoney($("cash-tendered").value);
    $("cash-change").textContent = t && t >= due() ? Y.money(t - due()) : "0,00";
  }
  $("cash-tendered").addEventListener("input", updateChange);
  $("cash-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const tendered = Y.parseMoney($("cash-tendered").value), amount = due();
    const t = tendered === null ? amount : tendered;
    if (!(t >= amount)) { setErr("cash-error", T.insufficient); return; }
    $("cash-pay").disabled = true;
    enqueue(async () => {
      try {
        const r = await guarded(() => Y.post(`/orders/${S.order.id}/pay`, { method: "cash", amount, tendered: t }));
        closeDlg("dlg-cash"); await afterPaid(r);
        toast(`${T.change}: ${Y.money(r.change)}`);
      } catch (err) { setErr("cash-error", err); await refreshOrder(); }
      finally { $("cash-pay").disabled = false; }
    });
  });

  /* card: the pay call blocks while the terminal works; meanwhile the order is polled for the terminal's prompts */
  let card = null;
  $("btn-card").addEventListener("click", () => { if (!$("btn-card").disabled) startCard(due()); });
  function startCard(amount, onDone) {
    $("card-amount").textContent = Y.money(amount); $("card-msg").textContent = T.waiting_terminal; setErr("card-error", "");
    $("card-cancel").classList.remove("hidden"); $("card-retry").classList.add("hidden"); $("card-close").classList.add("hidden");
    openDlg("dlg-card");
    const paymentId = uuid7();
    card = { paymentId, amount, onDone, polling: true };
    const poll = async () => {
      while (card && card.paymentId === paymentId && card.polling) {
        await new Promise((r) => setTimeout(r, 400));
        if (!card || !card.polling) break;
        try {
          const p = await Y.get(`/orders/${S.order.id}/payments/${paymentId}`);
          if (p && p.messages && p.messages.length && card && card.polling) $("card-msg").textContent = p.messages[p.messages.length - 1];
        } catch (e) { /* not recorded yet: keep waiting for the pay call */ }
      }
    };
    poll();
    enqueue(async () => {
      try {
        const r = await guarded(() => Y.post(`/orders/${S.order.id}/pay`, { method: "card", amount, payment_id: paymentId }));
        card.polling = false;
        const p = r.payment || {};
        if (p.status === "approved") {
          $("card-msg").textContent = T.approved; await afterPaid(r);
          closeDlg("dlg-card"); card = null; toast(T.approved);
          if (onDone) onDone(true);
        } else cardFailed(p.detail || "", r.order);
      } catch (err) {
        if (card) card.polling = false;
        /* a decline carries the terminal's own words in the detail; anything else is a problem to name */
        const declined = err instanceof Y.ApiError && err.code === "card_declined";
        cardFailed(declined ? (err.body.detail || "") : Y.problemText(err), null, declined);
      }
    });
  }
  function cardFailed(text, order, declined = true) {
    if (order) { S.order = order; renderCart(); } else refreshOrder();
    $("card-msg").textContent = declined ? T.declined : T.device_error; setErr("card-error", text);
    $("card-cancel").classList.add("hidden"); $("card-retry").classList.remove("hidden"); $("card-close").classList.remove("hidden");
  }
  $("card-retry").addEventListener("click", () => { const c = card; closeDlg("dlg-card"); if (c) startCard(c.amount, c.onDone); });
  $("card-close").addEventListener("click", () => { const c = card; card = null; closeDlg("dlg-card"); if (c && c.onDone) c.onDone(false); });
  $("card-cancel").addEventListener("click", async () => {
    if (!card) { closeDlg("dlg-card"); return; }
    $("card-msg").textContent = T.card_cancel_sent;
    try { await fetch("/ui/pos/card-abort", { method: "POST", credentials: "same-origin", headers: { "X-Device-Token": Y.cfg.deviceToken } }); }
    catch (err) { setErr("card-error", err); }
  });
  $("dlg-card").addEventListener("cancel", (e) => { if (card && card.polling) e.preventDefault(); });

  /* split: a cash part first (with its change), the rest on the card */
  $("btn-split").addEventListener("click", () => {
    if ($("btn-split").disabled) return;
    $("split-due").textContent = Y.money(due()); $("split-cash").value = ""; $("split-card").textContent = Y.money(due()); setErr("split-error", "");
    openDlg("dlg-split"); $("split-cash").focus();
  });
  $("split-cash").addEventListener("input", () => {
    const c = Y.parseMoney($("split-cash").value) || 0; $("split-card").textContent = Y.money(Math.max(0, due() - c));
  });
  $("split-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const cash = Y.parseMoney($("split-cash").value), total = due();
    if (!(cash > 0 && cash < total)) { setErr("split-error", T.amount); return; }
    enqueue(async () => {
      try {
        const r = await guarded(() => Y.post(`/orders/${S.order.id}/pay`, { method: "cash", amount: cash, tendered: cash }));
        closeDlg("dlg-split"); await afterPaid(r);
        startCard(due());
      } catch (err) { setErr("split-error", err); }
    });
  });

  async function refreshOrder() {
    if (!S.order) return;
    try { S.order = await Y.get(`/orders/${S.order.id}`); renderCart(); } catch (e) { /* keep the last view */ }
  }

  /* reprint */
  $("btn-reprint").addEventListener("click", () => reprint(S.order && S.order.id));
  async function reprint(id) {
    if (!id) return;
    try { await guarded(() => Y.post(`/orders/${id}/print`, {})); toast(T.reprinted); } catch (err) { toast(Y.problemText(err)); }
  }

  Object.assign(P, { refreshOrder, reprint });
  Object.assign(P.keys, { F5: openCash, F6: () => $("btn-card").click(), F7: () => $("btn-split").click(), F8: () => $("btn-discount").click() });
})();
