// The sync screen (menu → Sync): is the terminal online, when did the server last acknowledge an
// upload; each cache the device sells from offline (catalog, prices and promotions, members, the
// store's stock) with its size and its age ("updated 3 min ago"); every operation still waiting in the outbox (and,
// for one that names another in depends_on, which one it waits for); every operation the server
// rejected, with its reason. For the associate and the manager alike; "Sync now" pushes and pulls.

import { go } from '../app';
import { outboxBatch, rejectedOps } from '../db';
import { h } from '../dom';
import { formatAgo, formatDateTime, t, type MessageKey } from '../i18n';
import { currentRules } from '../rules';
import { cacheKinds, onSyncStatus, syncNow, syncStatus, type SyncStatus } from '../sync';
import type { Operation } from '../types';

const shown = 500;

/** What an operation is, in a few words: the sale or drawer session it is about. */
function label(op: Operation): string {
  const p = op.payload as { sale_id?: string; session_id?: string };
  const what = op.type === 'sale.completed' ? t('sync_kind_sale') : op.type === 'sale.returned' ? t('sync_kind_return') : t('sync_kind_drawer');
  return `${what} …${(p.sale_id ?? p.session_id ?? op.op_id).slice(-8)}`;  // UUIDv7s share their time prefix
}

function age(iso: string | null): string {
  return iso ? formatDateTime(iso) : t('sync_never');
}

/** One line per cache: what it is, how much of it the device holds, and how old it is. */
function renderCaches(list: HTMLElement, st: SyncStatus): void {
  list.replaceChildren(
    ...cacheKinds.map((kind) => {
      const c = st.caches[kind];
      const rows =
        kind === 'promotions'
          ? c.count > 0 ? t('cache_rows_promotions', { v: currentRules()?.version ?? '' }) : '—'
          : t(`cache_rows_${kind}` as MessageKey, { n: c.count });
      return h(
        'li',
        { 'data-testid': `cache-${kind}`, 'data-count': String(c.count), 'data-synced-at': c.syncedAt ?? '' },
        h('strong', {}, t(`cache_${kind}` as MessageKey)),
        h('span', { class: 'muted' }, ` · ${rows}`),
        h('div', { class: c.syncedAt ? 'muted' : 'warn-text', 'data-testid': 'cache-age', title: c.syncedAt ? formatDateTime(c.syncedAt) : '' },
          c.syncedAt ? t('cache_updated', { ago: formatAgo(c.syncedAt) }) : t('cache_never')),
      );
    }),
  );
}

export function renderSyncScreen(main: HTMLElement): () => void {
  const facts = h('dl', { class: 'sync-facts', 'data-testid': 'sync-facts' });
  const caches = h('ul', { class: 'sync-list', 'data-testid': 'sync-caches' });
  const waiting = h('ul', { class: 'sync-list', 'data-testid': 'sync-waiting' });
  const rejected = h('ul', { class: 'sync-list', 'data-testid': 'sync-rejected' });
  const waitingTitle = h('h2', {});
  const rejectedTitle = h('h2', {});
  let alive = true;
  const fact = (term: string, value: string, id: string) => [h('dt', {}, term), h('dd', { 'data-testid': id }, value)];

  const render = async (st: SyncStatus): Promise<void> => {
    const [ops, bad] = await Promise.all([outboxBatch(shown), rejectedOps()]);
    if (!alive) return;
    facts.replaceChildren(
      ...fact(t('sync_state'), st.online ? t('online') : t('offline'), 'sync-online'),
      ...fact(t('sync_last_push'), age(st.lastPushAt), 'sync-last-push'),
      ...fact(t('sync_last_pull'), age(st.lastPullAt), 'sync-last-pull'),
      ...fact(t('sync_catalog'), t('sync_products', { n: st.catalogCount }), 'sync-catalog'),
    );
    renderCaches(caches, st);
    waitingTitle.textContent = t('sync_waiting_title', { n: ops.length < shown ? ops.length : `${shown}+` });
    const queued = new Set(ops.map((o) => o.op_id));
    const rejectedIds = new Set(bad.map((r) => r.op_id));
    waiting.replaceChildren(
      ...(ops.length === 0
        ? [h('li', { class: 'muted' }, t('sync_nothing_waiting'))]
        : ops.map((op) => {
            const blocker = op.depends_on?.find((id) => queued.has(id) || rejectedIds.has(id));
            return h(
              'li',
              { 'data-testid': 'sync-waiting-op', 'data-op': op.op_id },
              h('strong', {}, label(op)),
              h('div', { class: 'muted' }, `${formatDateTime(op.device_time)} · #${op.device_seq}${op.staff_id ? ` · ${op.staff_id}` : ''}`),
              blocker ? h('div', { class: 'warn-text' }, t(rejectedIds.has(blocker) ? 'sync_blocked_rejected' : 'sync_blocked_waiting', { op: `…${blocker.slice(-8)}` })) : null,
            );
          })),
    );
    rejectedTitle.textContent = t('sync_rejected_title', { n: bad.length });
    rejected.replaceChildren(
      ...(bad.length === 0
        ? [h('li', { class: 'muted' }, t('sync_nothing_rejected'))]
        : bad.map((r) =>
            h(
              'li',
              { 'data-testid': 'sync-rejected-op' },
              h('strong', {}, label(r.op)),
              h('div', { class: 'muted' }, formatDateTime(r.op.device_time)),
              h('div', { class: 'error-text' }, r.error ? `${r.error.code}: ${r.error.message}` : '—'),
            ),
          )),
    );
  };
  const stop = onSyncStatus((st) => void render(st));
  main.replaceChildren(
    h(
      'section',
      { class: 'sync-screen', 'data-testid': 'sync-screen' },
      h('div', { class: 'sync-head' }, h('h1', { class: 'screen-title' }, t('sync_title')), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => go({ name: 'sell' }) }, t('menu_sell'))),
      facts,
      h('h2', {}, t('sync_caches_title')),
      caches,
      h('button', { class: 'btn btn-primary btn-block', type: 'button', 'data-testid': 'sync-now', onclick: () => syncNow() }, t('sync_now')),
      waitingTitle,
      waiting,
      rejectedTitle,
      h('p', { class: 'muted' }, t('rejected_hint')),
      rejected,
    ),
  );
  // Ages move on their own: "updated 1 min ago" becomes "2 min ago" without a sync.
  const ticker = window.setInterval(() => renderCaches(caches, syncStatus()), 15_000);
  return () => {
    alive = false;
    stop();
    clearInterval(ticker);
  };
}
