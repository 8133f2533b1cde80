// The sell screen: a barcode field that always keeps the focus (keyboard-wedge scanners type
// the digits then Enter; typing works too), search by name over the local catalog, the cart
// with + / − and remove, and the totals and Pay button at the bottom, in thumb reach.
// Every amount shown comes from the WASM core (priceCart).

import { ApiError, NetworkError, lookupBarcode, request } from '../api';
import { go } from '../app';
import { addApproval, addCartCoupon, couponTemplateOf, addProduct, cartCoupons, cartExchange, cartLines, cartMember, cartSaleId, onCartChange, priced, removeCartCoupon, setCartExchange, setCartMember, setLinePrice, setQty, voidAll, voidUnits } from '../cart';
import { requireApproval } from '../approval';
import { prefetchChainStock } from '../chain_stock';
import { coreReady, loadCore, normalizeBarcode } from '../core';
import { allProducts, findMember, productByBarcode, stockLevel } from '../db';
import { h, svgIcon, toast } from '../dom';
import { isMessageKey, localName, t, tierName } from '../i18n';
import { storePolicies } from '../verifiers';
import { formatGrams, formatMoney } from '../money';
import { linePromotions } from '../promotions';
import { askPriceChange, priceChangeNote } from './price_sheet';
import { showChainStock } from './chain_stock_sheet';
import { session } from '../session';
import { onCatalogChanged, onStockChanged } from '../sync';
import type { PricedCart, Product } from '../types';
import type { CartCoupon } from '../cart';

let keyboardOn = false;

/** Why a presented coupon does not apply, in words (the engine's reason codes, docs/pricing.md). */
function couponReason(reason: string): string {
  const key = `coupon_reason_${reason}`;
  return reason && isMessageKey(key) ? t(key) : reason;
}
let catalogCache: Product[] | null = null;
onCatalogChanged(() => (catalogCache = null));

async function catalog(): Promise<Product[]> {
  catalogCache ??= await allProducts();
  return catalogCache;
}

export function renderSell(main: HTMLElement): () => void {
  const s = session();
  if (!s) {
    go({ name: 'signin' });
    return () => undefined;
  }
  const currency = s.store.currency || 'CNY';
  let modalOpen = false;

  // ---- scan bar
  const barcodeInput = h('input', {
    class: 'scan-input',
    'data-testid': 'barcode-input',
    'aria-label': t('scan_label'),
    placeholder: t('scan_placeholder'),
    autocomplete: 'off',
    autocorrect: 'off',
    spellcheck: 'false',
    enterkeyhint: 'enter',
    inputmode: keyboardOn ? 'numeric' : 'none',
  });
  const keyboardButton = h(
    'button',
    { class: `icon-btn${keyboardOn ? ' is-on' : ''}`, type: 'button', 'data-testid': 'keyboard-toggle', 'aria-label': t('keyboard'), 'aria-pressed': String(keyboardOn) },
    keyboardIcon(),
  );
  keyboardButton.addEventListener('click', () => {
    keyboardOn = !keyboardOn;
    barcodeInput.setAttribute('inputmode', keyboardOn ? 'numeric' : 'none');
    keyboardButton.classList.toggle('is-on', keyboardOn);
    keyboardButton.setAttribute('aria-pressed', String(keyboardOn));
    barcodeInput.blur();
    barcodeInput.focus();
  });
  const searchButton = h('button', { class: 'icon-btn', type: 'button', 'data-testid': 'search-button', 'aria-label': t('search') }, searchIcon());
  searchButton.addEventListener('click', () => openSearch(''));
  const scanForm = h('form', { class: 'scanbar', autocomplete: 'off' }, barcodeInput, keyboardButton, searchButton);

  // ---- cart and totals
  const banner = h('div', { class: 'banner', 'data-testid': 'sell-banner', hidden: true });
  const list = h('ul', { class: 'cart', 'data-testid': 'cart' });
  const totals = h('div', { class: 'totals' });
  const payButton = h('button', { class: 'btn btn-primary btn-pay', type: 'button', 'data-testid': 'pay-button' });
  payButton.addEventListener('click', () => go({ name: 'pay' }));
  const clearButton = h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'clear-button' }, t('clear_cart'));
  clearButton.addEventListener('click', () => void withVoidApproval(voidAll, { units: cartLines().reduce((n, l) => n + (l.product.sold_by === 'unit' ? l.qty : 1), 0) }, 'void_sale'));
  const footer = h('div', { class: 'checkout-bar' }, totals, h('div', { class: 'checkout-actions' }, clearButton, payButton));
  // The member the sale is for: scanned (member code or phone) or typed in the member sheet.
  const memberBar = h('div', { class: 'member-bar', 'data-testid': 'member-bar' });

  main.append(scanForm, memberBar, banner, list, footer);

  const keepFocus = () => {
    window.setTimeout(() => {
      if (modalOpen || !barcodeInput.isConnected) return;
      const active = document.activeElement;
      if (active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement) return;
      barcodeInput.focus({ preventScroll: true });
    }, 0);
  };
  barcodeInput.addEventListener('blur', keepFocus);
  const onPointerUp = () => keepFocus();
  document.addEventListener('pointerup', onPointerUp);

  // ---- scanning: one code at a time, in the order they arrive
  let queue = Promise.resolve();
  scanForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = barcodeInput.value.trim();
    barcodeInput.value = '';
    if (!code) return;
    queue = queue
      .then(async () => {
        // A member code (M000002) or a phone number is the customer, not an item.
        if (!/^\d+$/.test(code) || /^1\d{10}$/.test(code)) {
          if (await attachMember(code)) return;
          if (!/^\d+$/.test(code)) {  // a coupon code?
            const why = await presentCoupon(code);
            if (why === null) return;
            if (why !== 'coupon_unknown') return toast(t(why), 'error');
          }
          if (!/^\d+$/.test(code)) return openSearch(code);
        }
        await scan(code);
      })
      .catch((e: unknown) => toast(String(e), 'error'));
  });

  async function scan(raw: string): Promise<void> {
    let code = raw;
    if (coreReady()) {
      const n = normalizeBarcode(raw);
      if (!n.ok) {
        toast(t('invalid_barcode', { code: raw }), 'error');
        return;
      }
      code = n.value.barcode;
    }
    let product = await productByBarcode(code);
    if (!product && navigator.onLine) {
      try {
        product = await lookupBarcode(code);
      } catch (e) {
        if (!(e instanceof ApiError || e instanceof NetworkError)) throw e;
      }
    }
    if (!product) {
      toast(t('unknown_barcode', { code }), 'error');
      return;
    }
    await addScanned(product);
  }

  /**
   * Adds a coupon code to the sale; null when added, else why not. Offline, a single-use coupon is
   * refused unless the store allows it (its offline policy): nobody can tell it was not used already.
   */
  async function presentCoupon(code: string): Promise<'coupon_unknown' | 'coupon_twice' | 'coupon_offline_refused' | null> {
    if (!navigator.onLine) {
      const template = couponTemplateOf(code);
      if (template && template.single_use !== false && !(await storePolicies()).offline_coupons) return 'coupon_offline_refused';
    }
    return addCartCoupon(code);
  }

  /** Attaches the member found by code or phone; false when nobody has it. */
  async function attachMember(code: string): Promise<boolean> {
    const m = await findMember(code);
    if (!m) return false;
    setCartMember({ member_id: m.member_id, name: m.name, tier: m.tier, points: m.points, ...(m.promotions ? { promotions: m.promotions } : {}) });
    toast(t('member_attached', { name: m.name }));
    // Their coupon wallet, when the server can be asked (offline: codes are typed or scanned).
    void request<{ coupons: CartCoupon[] }>('GET', `/api/v1/members/${encodeURIComponent(m.member_id)}/coupons`)
      .then((w) => {
        const now = cartMember();
        if (now?.member_id === m.member_id) setCartMember({ ...now, wallet: w.coupons });
      })
      .catch(() => undefined);
    return true;
  }

  function renderMember(pricedCart: PricedCart | null): void {
    const m = cartMember();
    const ex = cartExchange();
    const answered = new Map((pricedCart?.coupons ?? []).map((c) => [c.code, c]));
    memberBar.replaceChildren(
      ex
        ? h('div', { class: 'member-chip exchange-chip', 'data-testid': 'exchange-chip', 'data-credit': ex.credit },
            h('strong', {}, t('exchange_credit', { amount: formatMoney(ex.credit, currency) })),
            h('span', { class: 'muted' }, ` · …${ex.sale_id.slice(-8)}`),
            h('button', { class: 'icon-btn', type: 'button', 'data-testid': 'exchange-cancel', 'aria-label': t('exchange_cancel'), onclick: () => setCartExchange(undefined) }, '×'))
        : '',
      m
        ? h('div', { class: 'member-chip', 'data-testid': 'member-chip', 'data-member': m.member_id },
            h('strong', {}, m.name),
            h('span', { class: 'muted' }, ` · ${tierName(m.tier)} · ${t('member_points', { n: m.points })}`),
            h('button', { class: 'icon-btn', type: 'button', 'data-testid': 'member-remove', 'aria-label': t('member_remove'), onclick: () => setCartMember(undefined) }, '×'))
        : '',
      ...(m?.wallet ?? [])
        .filter((w) => !cartCoupons().some((c) => c.code === w.code))
        .map((w) =>
          h('button', { class: 'btn btn-secondary wallet-coupon', type: 'button', 'data-testid': 'wallet-coupon', 'data-code': w.code,
            onclick: () => void presentCoupon(w.code).then((why) => why && toast(t(why), 'error')) }, `${t('coupon_wallet')} ${w.code}`)),
      ...cartCoupons().map((c) => {
        const a = answered.get(c.code);
        const state = !a ? '' : a.applied ? `−${formatMoney(a.discount ?? 0, currency)}` : couponReason(a.reason ?? '');
        return h('div', { class: `member-chip coupon-chip${a && !a.applied ? ' is-off' : ''}`, 'data-testid': 'coupon-chip', 'data-code': c.code, 'data-applied': a ? String(a.applied) : '' },
          h('strong', {}, c.code),
          h('span', { class: 'muted' }, state ? ` · ${state}` : ''),
          h('button', { class: 'icon-btn', type: 'button', 'aria-label': t('coupon_remove'), onclick: () => removeCartCoupon(c.code) }, '×'));
      }),
      h('div', { class: 'member-actions' },
        m ? '' : h('button', { class: 'btn btn-secondary btn-member', type: 'button', 'data-testid': 'member-button', onclick: () => void askCode('member') }, t('member_add')),
        h('button', { class: 'btn btn-secondary btn-member', type: 'button', 'data-testid': 'coupon-button', onclick: () => void askCode('coupon') }, t('coupon_add'))),
    );
  }

  /** The sheet for a member (code or phone) or a coupon code typed by hand. */
  function askCode(kind: 'member' | 'coupon'): Promise<void> {
    return new Promise((resolve) => {
      modalOpen = true;
      const input = h('input', { class: 'big-input', 'data-testid': `${kind}-input`, autocomplete: 'off', placeholder: t(kind === 'member' ? 'member_placeholder' : 'coupon_placeholder') });
      const err = h('p', { class: 'form-error', 'data-testid': `${kind}-error`, hidden: true });
      const form = h(
        'form',
        { method: 'dialog' },
        h('h2', {}, t(kind === 'member' ? 'member_title' : 'coupon_title')),
        input,
        err,
        h('div', { class: 'dialog-actions' },
          h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => dialog.close() }, t('cancel')),
          h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': `${kind}-ok` }, t('ok'))),
      );
      const dialog = h('dialog', { class: 'sheet', 'data-testid': `${kind}-dialog` }, form);
      const failed = (message: string) => {
        err.textContent = message;
        err.hidden = false;
      };
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        if (kind === 'coupon') {
          void presentCoupon(input.value).then((why) => (why ? failed(t(why)) : dialog.close()));
          return;
        }
        void attachMember(input.value).then((found) => (found ? dialog.close() : failed(t('member_not_found'))));
      });
      dialog.addEventListener('close', () => {
        dialog.remove();
        modalOpen = false;
        keepFocus();
        resolve();
      });
      document.body.append(dialog);
      dialog.showModal();
      input.focus();
    });
  }

  async function addScanned(product: Product): Promise<void> {
    // The chain's stock of it, kept for when the device is offline (a tap on the line's stock shows it).
    prefetchChainStock(product.sku);
    if (product.sold_by === 'weight') {
      const grams = await askGrams(product, null);
      if (grams !== null) addProduct(product, grams);
    } else {
      addProduct(product, 1);
    }
  }

  // ---- rendering the cart
  function render(): void {
    const lines = cartLines();
    let pricedCart: PricedCart | null = null;
    banner.hidden = true;
    if (!coreReady()) {
      banner.hidden = false;
      banner.textContent = coreFailed ? t('core_failed') : t('core_loading');
      banner.className = coreFailed ? 'banner banner-error' : 'banner';
    } else if (lines.length > 0) {
      const r = priced(currency);
      if (r.ok) pricedCart = r.value;
      else {
        banner.hidden = false;
        banner.className = 'banner banner-error';
        banner.textContent = t('pricing_error', { message: r.error.message || r.error.code });
      }
    }

    if (lines.length === 0) {
      list.replaceChildren(
        h('li', { class: 'cart-empty' }, h('div', { class: 'cart-empty-icon' }, scanIcon()), h('strong', {}, t('cart_empty_title')), h('p', { class: 'muted' }, t('cart_empty_hint'))),
      );
    } else {
      list.replaceChildren(
        ...lines.map((line, i) => {
          const p = line.product;
          const pl = pricedCart?.lines[i];
          const weighed = p.sold_by === 'weight';
          const qtyControls = weighed
            ? h(
                'div',
                { class: 'qty' },
                h('button', { class: 'qty-weight', type: 'button', 'data-testid': 'qty-weight', onclick: () => void editWeight(i) }, formatGrams(line.qty)),
              )
            : h(
                'div',
                { class: 'qty' },
                h('button', { class: 'qty-btn', type: 'button', 'data-testid': 'qty-minus', 'aria-label': t('decrease'), disabled: line.qty <= 1, onclick: () => void withVoidApproval(() => voidUnits(i, 1), { item: localName(p), qty: 1, unit_price: p.price }) }, '−'),
                h('span', { class: 'qty-value', 'data-testid': 'qty-value' }, line.qty),
                h('button', { class: 'qty-btn', type: 'button', 'data-testid': 'qty-plus', 'aria-label': t('increase'), onclick: () => setQty(i, line.qty + 1) }, '+'),
              );
          return h(
            'li',
            { class: 'cart-line', 'data-testid': 'cart-line', 'data-barcode': line.barcode, 'data-qty': line.qty, 'data-gross': pl?.gross ?? '' },
            h(
              'div',
              { class: 'line-main' },
              h('div', { class: 'line-name' }, localName(p)),
              h('div', { class: 'line-meta' }, `${formatMoney(p.price, currency)}${weighed ? t('per_kg') : ''} · ${line.barcode} · `, h('button', { class: 'line-stock', type: 'button', 'data-testid': 'line-stock', 'data-sku': p.sku, onclick: () => void showChainStock(p.sku, localName(p)) })),
              line.override_reason ? h('div', { class: 'line-price-change', 'data-testid': 'line-price-change' }, priceChangeNote(line, currency)) : null,
              ...(pricedCart ? linePromotions(pricedCart, pl) : []),
            ),
            h('div', { class: 'line-gross', 'data-testid': 'line-gross' }, pl ? formatMoney(pl.gross, currency) : '—'),
            h(
              'div',
              { class: 'line-controls' },
              qtyControls,
              h('button', { class: 'price-btn', type: 'button', 'data-testid': 'line-price', 'aria-label': t('price_change'), onclick: () => void editPrice(i, pl?.undiscounted_unit_price ?? pl?.unit_price ?? p.price) }, t('price_short')),
              h('button', { class: 'remove-btn', type: 'button', 'data-testid': 'line-remove', 'aria-label': t('remove'), onclick: () => void withVoidApproval(() => voidUnits(i), { item: localName(p), qty: line.qty, unit_price: p.price }) }, trashIcon()),
            ),
          );
        }),
      );
    }

    const total = pricedCart ? (pricedCart.amount_due ?? pricedCart.total) : 0;
    totals.replaceChildren(
      h(
        'div',
        { class: 'totals-sub' },
        h('span', { 'data-testid': 'cart-units' }, t('items', { n: pricedCart?.units ?? 0 })),
        h('span', {}, `${t('tax')} ${formatMoney(pricedCart?.tax ?? 0, currency)}`),
        pricedCart?.discount
          ? h('span', { class: 'savings', 'data-testid': 'cart-savings', 'data-discount': pricedCart.discount }, `${t('savings')} ${formatMoney(pricedCart.discount, currency)}`)
          : null,
      ),
      h(
        'div',
        { class: 'totals-main' },
        h('span', {}, t('total')),
        h('strong', { 'data-testid': 'cart-total', 'data-total': total }, formatMoney(total, currency)),
      ),
    );
    renderMember(pricedCart);
    void showStock();
    payButton.textContent = t('pay');
    payButton.disabled = !pricedCart || lines.length === 0;
    clearButton.disabled = lines.length === 0;
  }

  // The store's stock of each line's SKU as the device last heard it (the stock cache follows the
  // feed, so another device's sale shows here without a reload); nothing while it is not cached.
  async function showStock(): Promise<void> {
    for (const el of Array.from(list.querySelectorAll<HTMLElement>('[data-testid="line-stock"]'))) {
      const level = await stockLevel(el.dataset.sku ?? '');
      el.dataset.stock = level ? String(level.qty) : '';
      el.textContent = level ? t('in_stock', { n: level.qty }) : t('chain_stock_open');
      el.classList.toggle('warn-text', !!level && level.qty <= 0);
    }
  }
  // New prices or promotions re-price the cart; new stock levels update the lines.
  const offCatalog = onCatalogChanged(render);
  const offStock = onStockChanged(() => void showStock());

  let coreFailed = false;
  if (!coreReady()) {
    loadCore().then(render, (e: unknown) => {
      console.error(e);
      coreFailed = true;
      render();
    });
  }

  async function editWeight(index: number): Promise<void> {
    const line = cartLines()[index];
    if (!line) return;
    const grams = await askGrams(line.product, line.qty);
    if (grams !== null) setQty(index, grams);
  }

  // A price change: within the role's own right, or with a manager's approval (price_override for
  // a new price, manual_discount beyond the role's max_discount_bp); taking it off needs nothing.
  async function editPrice(index: number, unitPrice: number): Promise<void> {
    const line = cartLines()[index];
    if (!line) return;
    modalOpen = true;
    try {
      const change = await askPriceChange(line, unitPrice, currency);
      if (change === null) return;
      if (change === 'clear') return setLinePrice(index, null);
      const approval =
        'discountBp' in change
          ? await requireApproval('manual_discount', cartSaleId(), { reason: change.reason, discountBp: change.discountBp, detail: { item: localName(line.product), unit_price: unitPrice, qty: line.qty } })
          : await requireApproval('price_override', cartSaleId(), { reason: change.reason, detail: { item: localName(line.product), unit_price: unitPrice, new_price: change.price, qty: line.qty } });
      if (approval === undefined) return;  // the manager did not approve: the price stays
      if (approval) addApproval(approval);
      setLinePrice(index, change);
    } finally {
      modalOpen = false;
      keepFocus();
    }
  }

  // A void (a line or units taken off) needs the void permission or a manager's approval.
  async function withVoidApproval(act: () => void, detail: Record<string, string | number> = {}, rule: 'void_line' | 'void_sale' = 'void_line'): Promise<void> {
    modalOpen = true;
    try {
      const approval = await requireApproval(rule, cartSaleId(), { detail });
      if (approval === undefined) return;  // cancelled: nothing is voided
      if (approval) addApproval(approval);
      act();
    } finally {
      modalOpen = false;
    }
  }

  // ---- weight dialog
  function askGrams(product: Product, initial: number | null): Promise<number | null> {
    return new Promise((resolve) => {
      modalOpen = true;
      const input = h('input', {
        class: 'big-input',
        'data-testid': 'grams-input',
        inputmode: 'numeric',
        pattern: '[0-9]*',
        autocomplete: 'off',
        value: initial ?? '',
        'aria-label': t('grams'),
      });
      const err = h('p', { class: 'form-error', hidden: true }, t('err_grams'));
      let result: number | null = null;
      const form = h(
        'form',
        { method: 'dialog' },
        h('h2', {}, t('weight_title', { name: localName(product) })),
        h('p', { class: 'muted' }, `${t('weight_hint')} ${formatMoney(product.price, currency)}${t('per_kg')}`),
        h('div', { class: 'input-suffix' }, input, h('span', {}, t('grams'))),
        err,
        h(
          'div',
          { class: 'dialog-actions' },
          h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'grams-cancel', onclick: () => dialog.close() }, t('cancel')),
          h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'grams-ok' }, t('ok')),
        ),
      );
      const dialog = h('dialog', { class: 'sheet', 'data-testid': 'weight-dialog' }, form);
      form.addEventListener('submit', (ev) => {
        const v = input.value.trim();
        if (!/^\d{1,7}$/.test(v) || Number.parseInt(v, 10) < 1) {
          ev.preventDefault();
          err.hidden = false;
          input.focus();
          return;
        }
        result = Number.parseInt(v, 10);
      });
      dialog.addEventListener('close', () => {
        dialog.remove();
        modalOpen = false;
        keepFocus();
        resolve(result);
      });
      document.body.append(dialog);
      dialog.showModal();
      input.focus();
      input.select();
    });
  }

  // ---- search sheet
  function openSearch(initial: string): void {
    modalOpen = true;
    const input = h('input', {
      class: 'search-input',
      'data-testid': 'search-input',
      type: 'search',
      placeholder: t('search_placeholder'),
      autocomplete: 'off',
      enterkeyhint: 'search',
      value: initial,
      'aria-label': t('search'),
    });
    const results = h('ul', { class: 'results', 'data-testid': 'search-results' });
    const dialog = h(
      'dialog',
      { class: 'sheet sheet-tall', 'data-testid': 'search-sheet' },
      h(
        'div',
        { class: 'search-head' },
        input,
        h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'search-close', onclick: () => dialog.close() }, t('close')),
      ),
      results,
    );
    let seq = 0;
    const update = async () => {
      const mine = ++seq;
      const q = input.value.trim().toLowerCase();
      if (!q) {
        results.replaceChildren(h('li', { class: 'muted results-note' }, t('search_hint')));
        return;
      }
      const found = (await catalog())
        .filter(
          (p) =>
            p.name_zh.toLowerCase().includes(q) ||
            p.name_en.toLowerCase().includes(q) ||
            p.sku.toLowerCase().includes(q) ||
            p.barcode.startsWith(q),
        )
        .slice(0, 50);
      if (mine !== seq) return;
      if (found.length === 0) {
        results.replaceChildren(h('li', { class: 'muted results-note' }, t('search_none', { q: input.value.trim() })));
        return;
      }
      results.replaceChildren(
        ...found.map((p) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                class: 'result',
                type: 'button',
                'data-testid': 'search-result',
                'data-barcode': p.barcode,
                onclick: () => {
                  dialog.close();
                  void addScanned(p);
                },
              },
              h('span', { class: 'result-name' }, localName(p), h('small', {}, `${p.sku} · ${p.barcode}`)),
              h('span', { class: 'result-price' }, `${formatMoney(p.price, currency)}${p.sold_by === 'weight' ? t('per_kg') : ''}`),
            ),
          ),
        ),
      );
    };
    input.addEventListener('input', () => void update());
    input.addEventListener('keydown', (ev) => {
      // A scan while the search is open still adds the item.
      if (ev.key === 'Enter' && /^\d{8,14}$/.test(input.value.trim())) {
        ev.preventDefault();
        const code = input.value.trim();
        dialog.close();
        queue = queue.then(() => scan(code));
      }
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      modalOpen = false;
      keepFocus();
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
    void update();
  }

  const offCart = onCartChange(render);
  render();
  barcodeInput.focus();

  return () => {
    offCart();
    offCatalog();
    offStock();
    document.removeEventListener('pointerup', onPointerUp);
    document.querySelectorAll('dialog').forEach((d) => d.remove());
  };
}

function svg(path: string): SVGSVGElement {
  return svgIcon(path, 22);
}

const stroke = 'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"';
function searchIcon(): SVGSVGElement {
  return svg(`<circle cx="11" cy="11" r="7" ${stroke}/><path d="M20 20l-3.5-3.5" ${stroke}/>`);
}
function keyboardIcon(): SVGSVGElement {
  return svg(`<rect x="2" y="6" width="20" height="12" rx="2" ${stroke}/><path d="M6 10h.01M10 10h.01M14 10h.01M18 10h.01M7 14h10" ${stroke}/>`);
}
function trashIcon(): SVGSVGElement {
  return svg(`<path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" ${stroke}/>`);
}
function scanIcon(): SVGSVGElement {
  return svg(`<path d="M3 7V4h3M21 7V4h-3M3 17v3h3M21 17v3h-3M7 8v8M10 8v8M13 8v8M16 8v8" ${stroke}/>`);
}
