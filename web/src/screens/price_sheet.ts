// The price sheet of a cart line: a manual discount in percent or a new unit price, always with a
// reason. What the associate may give alone is their role's max_discount_bp (a discount) or the
// price_override permission (a new price); beyond that the caller asks a manager (approval.ts).

import { h } from '../dom';
import { localName, t, type MessageKey } from '../i18n';
import { formatMoney, minorToInput, parseMoneyInput } from '../money';
import { session } from '../session';
import type { CartLine } from '../types';

export type PriceChange = { discountBp: number; reason: string } | { price: number; reason: string };

const reasons: MessageKey[] = ['reason_price_match', 'reason_damaged', 'reason_customer_care'];

/** Asks for a line's price change: the change, 'clear' to take it off, or null when cancelled. */
export function askPriceChange(line: CartLine, unitPrice: number, currency: string): Promise<PriceChange | 'clear' | null> {
  return new Promise((resolve) => {
    const discountMode = line.override_price === undefined;
    const mode = (value: string, key: MessageKey, checked: boolean) =>
      h('label', { class: 'segment' }, h('input', { type: 'radio', name: 'price-mode', value, checked, 'data-testid': `price-mode-${value}` }), h('span', {}, t(key)));
    const modes = h('div', { class: 'segments', role: 'radiogroup' }, mode('discount', 'price_mode_discount', discountMode), mode('price', 'price_mode_price', !discountMode));
    const initial = line.manual_discount_bp ? minorToInput(line.manual_discount_bp) : line.override_price !== undefined ? minorToInput(line.override_price) : '';
    const input = h('input', { class: 'big-input', 'data-testid': 'price-value', inputmode: 'decimal', autocomplete: 'off', value: initial, 'aria-label': t('price_change') });
    const suffix = h('span', {}, '%');
    const known = reasons.map((k) => t(k));
    const reason = h(
      'select',
      { 'data-testid': 'price-reason', id: 'price-reason' },
      known.map((r) => h('option', { value: r, selected: r === line.override_reason }, r)),
      h('option', { value: '', selected: !!line.override_reason && !known.includes(line.override_reason) }, t('reason_other')),
    );
    const other = h('input', { 'data-testid': 'price-reason-other', placeholder: t('reason_other'), maxlength: 100, value: known.includes(line.override_reason ?? '') ? '' : (line.override_reason ?? '') });
    const limit = session()?.limits?.max_discount_bp ?? 0;
    const hint = h('p', { class: 'muted', 'data-testid': 'price-hint' });
    const err = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'price-error' });
    const isDiscount = () => (modes.querySelector('input:checked') as HTMLInputElement | null)?.value !== 'price';
    const refresh = () => {
      suffix.textContent = isDiscount() ? '%' : currency;
      other.hidden = reason.value !== '';
      hint.textContent = isDiscount()
        ? limit > 0
          ? t('price_limit_hint', { max: minorToInput(limit) })
          : t('price_needs_manager')
        : `${t('price_now')} ${formatMoney(unitPrice, currency)}`;
    };
    modes.addEventListener('change', () => {
      input.value = '';
      refresh();
      input.focus();
    });
    reason.addEventListener('change', refresh);
    let result: PriceChange | 'clear' | null = null;
    const form = h(
      'form',
      { method: 'dialog', novalidate: true },
      h('h2', {}, `${t('price_change')} · ${localName(line.product)}`),
      modes,
      h('div', { class: 'input-suffix' }, input, suffix),
      hint,
      h('label', { class: 'field', for: 'price-reason' }, h('span', {}, t('reason')), reason),
      other,
      err,
      h(
        'div',
        { class: 'dialog-actions' },
        line.override_reason
          ? h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'price-clear', onclick: () => ((result = 'clear'), dialog.close()) }, t('price_clear'))
          : null,
        h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'price-cancel', onclick: () => dialog.close() }, t('cancel')),
        h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'price-apply' }, t('ok')),
      ),
    );
    const dialog = h('dialog', { class: 'sheet', 'data-testid': 'price-dialog' }, form);
    const fail = (key: MessageKey) => {
      err.textContent = t(key);
      err.hidden = false;
      input.focus();
    };
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const why = (reason.value || other.value).trim();
      const amount = parseMoneyInput(input.value);  // "12.5" % → 1250 basis points; "250" → 25000 fen
      if (isDiscount()) {
        if (amount === null || amount < 1 || amount > 10_000) return fail('price_invalid_discount');
      } else if (amount === null || amount === unitPrice) {
        return fail('price_invalid_price');
      }
      if (!why) return fail('price_reason_needed');
      result = isDiscount() ? { discountBp: amount, reason: why } : { price: amount, reason: why };
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    refresh();
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}

/** The line's price change as the cart shows it under the product name, or null. */
export function priceChangeNote(line: CartLine, currency: string): string | null {
  if (!line.override_reason) return null;
  if (line.manual_discount_bp) return t('line_discounted', { pct: minorToInput(line.manual_discount_bp), reason: line.override_reason });
  return t('line_overridden', { price: formatMoney(line.override_price ?? 0, currency), reason: line.override_reason });
}
