// How the terminal names the promotions the engine applied: under each cart or receipt line,
// one row per promotion with what it took off that line, in the current language.

import { h } from './dom';
import { localName } from './i18n';
import { formatMoney } from './money';
import type { PricedCart, PricedLine } from './types';

/** The promotion's name in the current language, or its id when it has none. */
export function promotionName(cart: PricedCart, id: string): string {
  const name = cart.adjustments?.find((a) => a.id === id)?.name;
  return (name && localName({ name_zh: name.zh, name_en: name.en })) || id;
}

/** Rows "name −¥x" for the promotions on one line (none: an empty list). */
export function linePromotions(cart: PricedCart, line: PricedLine | undefined): HTMLElement[] {
  return (line?.promotions ?? [])
    .filter((p) => p.discount > 0)
    .map((p) =>
      h(
        'div',
        { class: 'line-promo', 'data-testid': 'line-promotion', 'data-promotion': p.id, 'data-discount': p.discount },
        h('span', {}, promotionName(cart, p.id)),
        h('span', {}, `−${formatMoney(p.discount, cart.currency)}`),
      ),
    );
}
