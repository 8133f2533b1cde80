// The sheet a tap on a cart line's stock opens: the item's stock in every store and warehouse of the
// chain, live when the server answers, else as the device last saw it, with its age.

import { chainStock } from '../chain_stock';
import { h } from '../dom';
import { formatAgo, localName, t } from '../i18n';
import { session } from '../session';

export function showChainStock(sku: string, name: string): Promise<void> {
  return new Promise((resolve) => {
    const body = h('div', { 'data-testid': 'chain-stock-body' }, h('p', { class: 'muted' }, '…'));
    const dialog = h(
      'dialog',
      { class: 'sheet', 'data-testid': 'chain-stock-dialog' },
      h('h2', {}, t('chain_stock_title', { name })),
      body,
      h('div', { class: 'dialog-actions' }, h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'chain-stock-close', onclick: () => dialog.close() }, t('close'))),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve();
    });
    document.body.append(dialog);
    dialog.showModal();
    const own = session()?.store.store_id;
    chainStock(sku).then(
      ({ view, live }) => {
        if (!view) {
          body.replaceChildren(h('p', { class: 'warn-text', 'data-testid': 'chain-stock-none' }, t('chain_stock_none')));
          return;
        }
        body.replaceChildren(
          h('ul', { class: 'chain-stock' },
            view.locations.map((l) =>
              h('li', { 'data-testid': 'chain-stock-row', 'data-location': l.location_id, 'data-qty': l.qty, class: l.location_id === own ? 'is-own' : '' },
                h('span', {}, `${localName(l)}${l.kind === 'warehouse' ? ` · ${t('warehouse')}` : ''}${l.location_id === own ? ` · ${t('this_store')}` : ''}`),
                h('strong', { class: l.qty <= 0 ? 'warn-text' : '' }, String(l.qty)),
              ),
            ),
          ),
          h('p', { class: live ? 'muted' : 'warn-text', 'data-testid': 'chain-stock-age', 'data-live': String(live), title: view.as_of },
            t(live ? 'chain_stock_live' : 'chain_stock_offline', { ago: formatAgo(view.as_of) })),
        );
      },
      () => body.replaceChildren(h('p', { class: 'form-error' }, t('chain_stock_none'))),
    );
  });
}
