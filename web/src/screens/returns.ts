// Returns (menu → Return): find the sale by its receipt number (scanned or typed; any store of
// the chain when online, this device's own sales offline too), choose the units coming back, and
// see the refund the core prices from the sale's own request — under the rules of the original
// sale, so a kept item that loses its promotion pays it back (docs/pricing.md, "Returns and
// exchanges"). A refund above the associate's limit needs a manager (the `refund` approval).
// The return is queued in the outbox like a sale and uploaded when the network allows.

import { ApiError, NetworkError, lookupBarcode, request } from '../api';
import { go } from '../app';
import { cartExchange, cartLines, setCartExchange } from '../cart';
import { requireApproval } from '../approval';
import { normalizeBarcode, priceCart, priceReturn, type PricedReturn, type ReturnItem } from '../core';
import { inOutbox, productByBarcode, queueReturn, recentSales, saleRecord } from '../db';
import { currentDrawer, noteRefund } from '../drawer';
import { h, toast } from '../dom';
import { formatDateTime, localName, t, tenderName, type MessageKey } from '../i18n';
import { formatGrams, formatMoney } from '../money';
import { currentRules, type RulesDocument } from '../rules';
import { ensureDeviceId, session } from '../session';
import { pushOutbox, refreshCounts } from '../sync';
import type { NewOperation, Product, ReturnPayload, SaleRecord } from '../types';
import { uuidv7 } from '../uuid';

/** A sale as a return needs it, from the server or from this device. */
interface ReturnableSale {
  saleId: string;
  storeId: string;
  deviceTime: string;
  currency: string;
  /** The sale's priceCart request, with its rules document. */
  request: { lines: { barcode: string; qty: number; sold_by: string }[] } & Record<string, unknown>;
  earlier: ReturnItem[][];
  names: string[];
  /** This device's record of the sale, when it made it. */
  record: SaleRecord | null;
}

interface ServerSale {
  sale_id: string;
  store_id: string;
  device_time: string;
  currency: string;
  return_request?: ReturnableSale['request'];
  returns: { items: ReturnItem[] }[];
}

const refundTenders = ['cash', 'card', 'qr_alipay', 'qr_wechat'];
const returnReasons: MessageKey[] = ['reason_return_fit', 'reason_return_quality', 'reason_changed_mind', 'reason_wrong_item'];

async function rulesFor(version: string): Promise<RulesDocument | null> {
  if (!version) return null;
  const rules = currentRules();
  if (rules?.version === version) return rules;
  const r = await request<{ rules: RulesDocument }>('GET', `/api/v1/pricing/rules?version=${encodeURIComponent(version)}`);
  return r.rules;
}

async function names(lines: { barcode: string }[], record: SaleRecord | null): Promise<string[]> {
  return Promise.all(
    lines.map(async (l) => {
      const known = record?.names[l.barcode] ?? (await productByBarcode(l.barcode));
      return known ? localName(known) || l.barcode : l.barcode;
    }),
  );
}

/** The sale from the server (it knows every store's sales and returns), else from this device. */
async function findSale(saleId: string): Promise<ReturnableSale> {
  const record = (await saleRecord(saleId)) ?? null;
  try {
    const sale = await request<ServerSale>('GET', `/api/v1/sales/${encodeURIComponent(saleId)}`);
    if (!sale.return_request) throw new Error(t('return_not_returnable'));
    const earlier = sale.returns.map((r) => r.items);
    // This device's returns of the sale still waiting in the outbox are not on the server yet.
    for (const r of record?.returns ?? []) if (await inOutbox(r.op_id)) earlier.push(r.items);
    return {
      saleId,
      storeId: sale.store_id,
      deviceTime: sale.device_time,
      currency: sale.currency,
      request: sale.return_request,
      earlier,
      names: await names(sale.return_request.lines, record),
      record,
    };
  } catch (e) {
    const unreachable = e instanceof NetworkError || (e instanceof ApiError && e.status === 404);
    if (!record?.request || !unreachable) {
      if (e instanceof ApiError && e.status === 404) throw new Error(t('return_not_found'));
      throw e;
    }
  }
  // Offline, or the sale has not reached the server yet: this device's own record.
  const stored = { ...(record.request as Record<string, unknown>) };
  const version = typeof stored.rules_version === 'string' ? stored.rules_version : '';
  delete stored.rules_version;
  const rules = await rulesFor(version);
  const req = (rules ? { ...stored, rules } : stored) as ReturnableSale['request'];
  return {
    saleId,
    storeId: record.store.store_id,
    deviceTime: record.device_time,
    currency: record.priced.currency,
    request: req,
    earlier: (record.returns ?? []).map((r) => r.items),
    names: await names(req.lines, record),
    record,
  };
}

export function renderReturns(main: HTMLElement): () => void {
  let alive = true;
  const s = session();
  if (!s) {
    go({ name: 'signin' });
    return () => undefined;
  }
  const code = h('input', { class: 'big-input', id: 'return-sale', 'data-testid': 'return-sale-input', autocomplete: 'off', placeholder: t('return_sale_placeholder') });
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'return-error', hidden: true });
  const body = h('div', { class: 'return-body', 'data-testid': 'return-body' });
  const recent = h('ul', { class: 'return-recent', 'data-testid': 'return-recent' });

  const fail = (message: string) => {
    error.hidden = false;
    error.textContent = message;
  };
  const open = async (saleId: string) => {
    error.hidden = true;
    if (!saleId.trim()) return fail(t('return_sale_placeholder'));
    try {
      const sale = await findSale(saleId.trim());
      if (alive) showSale(sale);
    } catch (e) {
      fail(e instanceof NetworkError ? t('return_needs_network') : e instanceof Error ? e.message : String(e));
    }
  };

  const showSale = (sale: ReturnableSale) => {
    const money = (n: number) => formatMoney(n, sale.currency);
    const lines = sale.request.lines;
    const returned = lines.map((_, i) => sale.earlier.flat().filter((it) => it.line === i).reduce((a, it) => a + it.qty, 0));
    const chosen = lines.map(() => 0);
    const summary = h('div', { class: 'return-summary', 'data-testid': 'return-summary' });
    const reason = h('select', { class: 'field-input', 'data-testid': 'return-reason' }, returnReasons.map((k) => h('option', { value: t(k) }, t(k))));
    let tender = 'cash';
    const tenderButtons = refundTenders.map((type) =>
      h('button', { class: `btn btn-secondary${type === tender ? ' active' : ''}`, type: 'button', 'data-testid': `refund-tender-${type}`, onclick: (ev: Event) => {
        tender = type;
        for (const b of tenderButtons) b.classList.toggle('active', b === ev.currentTarget);
      } }, tenderName(type)),
    );
    const confirm = h('button', { class: 'btn btn-primary btn-lg btn-block', type: 'button', 'data-testid': 'refund-button', disabled: true }, t('return_refund'));
    const exchange = h('button', { class: 'btn btn-secondary btn-block', type: 'button', 'data-testid': 'exchange-button', disabled: true }, t('exchange_button'));
    let priced: PricedReturn | null = null;

    const items = (): ReturnItem[] => chosen.flatMap((qty, line) => (qty > 0 ? [{ line, qty }] : []));
    const update = () => {
      priced = null;
      const picked = items();
      confirm.disabled = true;
      exchange.disabled = true;
      confirm.textContent = t('return_refund');
      if (picked.length === 0) {
        summary.replaceChildren(h('p', { class: 'muted' }, t('return_pick')));
        return;
      }
      const r = priceReturn(sale.request, sale.earlier, picked);
      if (!r.ok) {
        summary.replaceChildren(h('p', { class: 'form-error' }, r.error.message));
        return;
      }
      priced = r.value;
      const paid = priced.lines.reduce((a, l) => a + l.paid, 0);
      const row = (label: string, value: string, id: string) => h('div', { class: 'r-row' }, h('span', {}, label), h('strong', { 'data-testid': id }, value));
      summary.replaceChildren(
        ...[
          row(t('return_refund_money'), money(priced.refund_money), 'refund-money'),
          priced.points_returned ? row(t('return_points_back'), String(priced.points_returned), 'refund-points-back') : null,
          priced.points_reversed ? row(t('return_points_reversed'), `−${priced.points_reversed}`, 'refund-points-reversed') : null,
          priced.refund < paid ? h('p', { class: 'warn-text', 'data-testid': 'return-promotion-lost' }, t('return_promotion_lost', { amount: money(paid - priced.refund) })) : null,
        ].filter((e): e is HTMLDivElement | HTMLParagraphElement => e !== null),
      );
      confirm.disabled = false;
      exchange.disabled = false;
      confirm.textContent = `${t('return_refund')} ${money(priced.refund_money)}`;
    };

    const stepper = (i: number, line: { qty: number; sold_by: string }) => {
      const left = line.qty - (returned[i] ?? 0);
      const weighed = line.sold_by === 'weight';
      const count = h('span', { class: 'stepper-value', 'data-testid': 'return-qty' }, '0');
      const set = (n: number) => {
        const qty = Math.max(0, Math.min(left, n));
        chosen[i] = qty;
        count.textContent = weighed && qty ? formatGrams(qty) : String(qty);
        update();
      };
      const step = weighed ? left : 1;  // a weighed line comes back whole
      return h(
        'div',
        { class: 'stepper' },
        h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'return-minus', disabled: left === 0, onclick: () => set((chosen[i] ?? 0) - step) }, '−'),
        count,
        h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'return-plus', disabled: left === 0, onclick: () => set((chosen[i] ?? 0) + step) }, '+'),
      );
    };

    /** The manager's approval when the refund is beyond the associate's limit: null when not needed, undefined when cancelled. */
    const approve = (returnId: string, result: PricedReturn, why: string) =>
      requireApproval('refund', returnId, {
        reason: why,
        refund: result.refund_money,
        detail: { item: result.lines.map((l) => sale.names[l.line] ?? l.barcode).join(', '), units: result.lines.reduce((a, l) => a + (l.sold_by === 'weight' ? 1 : l.qty), 0), amount: result.refund_money },
      });
    const dependsOn = async () => (sale.record && (await inOutbox(sale.record.op_id)) ? [sale.record.op_id] : undefined);

    confirm.addEventListener('click', () => {
      if (!priced) return;
      const result = priced;
      confirm.disabled = true;
      void (async () => {
        const returnId = uuidv7();
        const why = reason.value;
        const approval = await approve(returnId, result, why);
        if (approval === undefined) {
          confirm.disabled = false;
          return;
        }
        const sess = session();
        if (!sess) return go({ name: 'signin' });
        const drawer = currentDrawer();
        const tenders = result.refund_money > 0 ? [{ type: tender, amount: result.refund_money }] : [];
        const payload: ReturnPayload = {
          return_id: returnId,
          sale_id: sale.saleId,
          currency: sale.currency,
          items: items(),
          refund: result.refund_money,
          tenders,
          reason: why,
          ...(approval ? { approvals: [approval] } : {}),
          ...(drawer && tender === 'cash' ? { drawer_session_id: drawer.session_id } : {}),
        };
        const depends = await dependsOn();
        const op: NewOperation = {
          op_id: uuidv7(),
          type: 'sale.returned',
          store_id: sess.store.store_id,
          device_id: await ensureDeviceId(),
          staff_id: sess.staff.staff_code,
          device_time: new Date().toISOString(),
          payload,
          // Uploaded after the sale when the sale itself is still waiting here.
          ...(depends ? { depends_on: depends } : {}),
        };
        const record = sale.record ? { ...sale.record, returns: [...(sale.record.returns ?? []), { return_id: returnId, op_id: op.op_id, items: items() }] } : null;
        await queueReturn(op, record);
        if (tender === 'cash') noteRefund(tenders);
        await refreshCounts();
        void pushOutbox();
        if (alive) showDone(sale, result, tender, returnId);
      })().catch((e: unknown) => {
        confirm.disabled = false;
        toast(t('err_save', { message: e instanceof Error ? e.message : String(e) }), 'error');
      });
    });

    // An exchange: the refund becomes a credit on a new cart; both are queued when it is paid.
    exchange.addEventListener('click', () => {
      if (!priced) return;
      const result = priced;
      if (cartLines().length > 0 || cartExchange()) return toast(t('exchange_cart_busy'), 'error');
      exchange.disabled = true;
      void (async () => {
        const returnId = uuidv7();
        const why = reason.value;
        const approval = await approve(returnId, result, why);
        exchange.disabled = false;
        if (approval === undefined) return;
        const depends = await dependsOn();
        setCartExchange({
          return_id: returnId,
          sale_id: sale.saleId,
          items: items(),
          credit: result.refund_money,
          reason: why,
          approvals: approval ? [approval] : [],
          ...(depends ? { depends_on: depends } : {}),
          returnInput: { sale: sale.request, earlier_returns: sale.earlier, returning: items() },
        });
        go({ name: 'sell' });
      })();
    });

    body.replaceChildren(
      h('div', { class: 'r-row' }, h('span', {}, `${t('sale_id')} …${sale.saleId.slice(-8)}`), h('span', { class: 'muted' }, `${sale.storeId} · ${formatDateTime(sale.deviceTime)}`)),
      h(
        'ul',
        { class: 'return-lines', 'data-testid': 'return-lines' },
        lines.map((l, i) =>
          h(
            'li',
            { 'data-testid': 'return-line' },
            h('div', { class: 'r-name' }, sale.names[i]),
            h('div', { class: 'muted' }, `${l.sold_by === 'weight' ? formatGrams(l.qty) : `× ${l.qty}`}${returned[i] ? ` · ${t('return_already', { n: l.sold_by === 'weight' ? formatGrams(returned[i] ?? 0) : returned[i] ?? 0 })}` : ''}`),
            stepper(i, l),
          ),
        ),
      ),
      summary,
      h('label', { class: 'field' }, h('span', {}, t('reason')), reason),
      h('div', { class: 'field' }, h('span', {}, t('return_refund_to')), h('div', { class: 'quick-row' }, tenderButtons)),
      confirm,
      exchange,
    );
    update();
  };

  const showDone = (sale: ReturnableSale, result: PricedReturn, tender: string, returnId: string) => {
    const money = (n: number) => formatMoney(n, sale.currency);
    body.replaceChildren(
      h(
        'article',
        { class: 'receipt', 'data-testid': 'return-done', 'data-return-id': returnId },
        h('p', { class: 'receipt-status' }, h('strong', {}, `✓ ${t('return_saved')}`)),
        h('div', { class: 'r-row r-total' }, h('span', {}, `${t('return_refund_money')} (${tenderName(tender)})`), h('span', { 'data-testid': 'return-done-money' }, money(result.refund_money))),
        result.points_returned ? h('div', { class: 'r-row' }, h('span', {}, t('return_points_back')), h('span', {}, String(result.points_returned))) : null,
        result.points_reversed ? h('div', { class: 'r-row' }, h('span', {}, t('return_points_reversed')), h('span', {}, `−${result.points_reversed}`)) : null,
        h('div', { class: 'r-row' }, h('span', {}, t('tax')), h('span', {}, money(result.refund_tax))),
        h('footer', { class: 'r-foot' }, h('span', { class: 'muted' }, t('sale_id')), h('span', { class: 'mono' }, sale.saleId)),
      ),
      h('button', { class: 'btn btn-secondary btn-block', type: 'button', 'data-testid': 'return-another', onclick: () => { body.replaceChildren(); code.value = ''; void listRecent(); } }, t('return_another')),
    );
  };

  // Without a receipt: items scanned here, each refunded at the lowest price of the last 30 days
  // (the server knows it: online only), and a manager approves every one (docs/pricing.md).
  const showNoReceipt = () => {
    if (!navigator.onLine) return fail(t('return_needs_network'));
    const currency = s.store.currency || 'CNY';
    const scanned: { product: Product; lowest: number; qty: number }[] = [];
    const barcode = h('input', { class: 'big-input', 'data-testid': 'noreceipt-barcode', autocomplete: 'off', inputmode: 'numeric', placeholder: t('scan_placeholder') });
    const rows = h('ul', { class: 'return-lines', 'data-testid': 'noreceipt-lines' });
    const total = h('div', { class: 'return-summary', 'data-testid': 'noreceipt-summary' });
    const reasonSelect = h('select', { class: 'field-input' }, returnReasons.map((k) => h('option', { value: t(k) }, t(k))));
    const confirm = h('button', { class: 'btn btn-primary btn-lg btn-block', type: 'button', 'data-testid': 'noreceipt-refund', disabled: true }, t('return_refund'));
    let refund: number | null = null;
    const render = () => {
      rows.replaceChildren(
        ...scanned.map((l, i) =>
          h('li', { 'data-testid': 'noreceipt-line' },
            h('div', { class: 'r-name' }, localName(l.product)),
            h('div', { class: 'muted' }, `${t('return_lowest_price')} ${formatMoney(l.lowest, currency)}`),
            h('div', { class: 'stepper' },
              h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => { l.qty -= 1; if (l.qty === 0) scanned.splice(i, 1); render(); } }, '−'),
              h('span', { class: 'stepper-value' }, String(l.qty)),
              h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => { l.qty += 1; render(); } }, '+')))),
      );
      refund = null;
      confirm.disabled = true;
      confirm.textContent = t('return_refund');
      if (scanned.length === 0) return total.replaceChildren(h('p', { class: 'muted' }, t('return_pick')));
      // The refund is the core's price of these units at those prices (tax per line, as a sale).
      const r = priceCart(currency, scanned.map((l) => ({ barcode: l.product.barcode, qty: l.qty, product: { ...l.product, price: l.lowest } })), null, { now: new Date(), storeId: s.store.store_id });
      if (!r.ok) return total.replaceChildren(h('p', { class: 'form-error' }, r.error.message));
      refund = r.value.total;
      total.replaceChildren(h('div', { class: 'r-row' }, h('span', {}, t('return_refund_money')), h('strong', { 'data-testid': 'noreceipt-money' }, formatMoney(refund, currency))));
      confirm.disabled = false;
      confirm.textContent = `${t('return_refund')} ${formatMoney(refund, currency)}`;
    };
    const add = async (code: string) => {
      const n = normalizeBarcode(code);
      if (!n.ok) return toast(t('invalid_barcode', { code }), 'error');
      const known = scanned.find((l) => l.product.barcode === n.value.barcode);
      if (known) {
        known.qty += 1;
        return render();
      }
      try {
        const [product, lowest] = await Promise.all([
          productByBarcode(n.value.barcode).then((p) => p ?? lookupBarcode(n.value.barcode)),
          request<{ price: number }>('GET', `/api/v1/catalog/lowest-price?barcode=${encodeURIComponent(n.value.barcode)}`),
        ]);
        if (product.sold_by === 'weight') return toast(t('return_weighed_needs_receipt'), 'error');
        scanned.push({ product, lowest: lowest.price, qty: 1 });
        render();
      } catch (e) {
        toast(e instanceof NetworkError ? t('return_needs_network') : e instanceof Error ? e.message : String(e), 'error');
      }
    };
    confirm.addEventListener('click', () => {
      if (refund === null) return;
      const amount = refund;
      confirm.disabled = true;
      void (async () => {
        const returnId = uuidv7();
        const why = reasonSelect.value;
        const approval = await requireApproval('refund', returnId, { reason: why, refund: amount, always: true, detail: { item: scanned.map((l) => localName(l.product)).join(', '), amount } });
        if (!approval) {
          confirm.disabled = false;
          return;
        }
        const sess = session();
        if (!sess) return go({ name: 'signin' });
        const drawer = currentDrawer();
        const tenders = amount > 0 ? [{ type: 'cash', amount }] : [];
        const payload: ReturnPayload = {
          return_id: returnId,
          no_receipt: true,
          currency,
          lines: scanned.map((l) => ({ barcode: l.product.barcode, qty: l.qty })),
          refund: amount,
          tenders,
          reason: why,
          approvals: [approval],
          ...(drawer ? { drawer_session_id: drawer.session_id } : {}),
        };
        await queueReturn({ op_id: uuidv7(), type: 'sale.returned', store_id: sess.store.store_id, device_id: await ensureDeviceId(), staff_id: sess.staff.staff_code, device_time: new Date().toISOString(), payload }, null);
        noteRefund(tenders);
        await refreshCounts();
        void pushOutbox();
        body.replaceChildren(h('article', { class: 'receipt', 'data-testid': 'return-done', 'data-return-id': returnId },
          h('p', { class: 'receipt-status' }, h('strong', {}, `✓ ${t('return_saved')}`)),
          h('div', { class: 'r-row r-total' }, h('span', {}, `${t('return_refund_money')} (${tenderName('cash')})`), h('span', {}, formatMoney(amount, currency)))));
      })().catch((e: unknown) => {
        confirm.disabled = false;
        toast(t('err_save', { message: e instanceof Error ? e.message : String(e) }), 'error');
      });
    });
    body.replaceChildren(
      h('h2', {}, t('return_no_receipt')),
      h('p', { class: 'muted' }, t('return_no_receipt_hint')),
      h('form', { class: 'return-find', novalidate: true, onsubmit: (ev: Event) => { ev.preventDefault(); const code = barcode.value.trim(); barcode.value = ''; if (code) void add(code); } }, barcode),
      rows,
      total,
      h('label', { class: 'field' }, h('span', {}, t('reason')), reasonSelect),
      confirm,
    );
    render();
    barcode.focus();
  };

  const listRecent = async () => {
    const sales = await recentSales(10);
    if (!alive) return;
    recent.replaceChildren(
      ...sales.map((r) =>
        h(
          'li',
          {},
          h('button', { class: 'btn btn-secondary btn-block recent-sale', type: 'button', 'data-testid': 'return-recent-sale', 'data-sale-id': r.sale_id, onclick: () => void open(r.sale_id) },
            `${formatDateTime(r.device_time)} · ${formatMoney(r.priced.amount_due ?? r.priced.total, r.priced.currency)} · …${r.sale_id.slice(-8)}`),
        ),
      ),
    );
  };

  main.append(
    h(
      'section',
      { class: 'returns-screen', 'data-testid': 'returns-screen' },
      h('div', { class: 'sync-head' }, h('h1', { class: 'screen-title' }, t('return_title')), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => go({ name: 'sell' }) }, t('menu_sell'))),
      h(
        'form',
        { class: 'return-find', novalidate: true, onsubmit: (ev: Event) => { ev.preventDefault(); void open(code.value); } },
        h('label', { class: 'field', for: 'return-sale' }, h('span', {}, t('return_sale_label')), code),
        h('button', { class: 'btn btn-primary btn-block', type: 'submit', 'data-testid': 'return-find' }, t('return_find')),
        error,
      ),
      h('button', { class: 'btn btn-secondary btn-block', type: 'button', 'data-testid': 'return-no-receipt', onclick: showNoReceipt }, t('return_no_receipt')),
      body,
      h('h2', {}, t('return_recent')),
      recent,
    ),
  );
  void listRecent();
  code.focus();
  return () => {
    alive = false;
  };
}
