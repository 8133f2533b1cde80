// The header: store and associate, the sync badge (online/offline, operations waiting in the
// outbox, operations the server rejected), the language switch and sign out.

import { go } from './app';
import { rejectedOps } from './db';
import { h, svgIcon, toast } from './dom';
import { formatDateTime, localName, onLangChange, t, toggleLang, type MessageKey } from './i18n';
import { inboxCount, onInboxChange, refreshInbox, showInbox } from './inbox';
import { showPrinterSettings } from './print';
import { clearSession, session } from './session';
import { onSyncStatus, syncStatus, type SyncStatus } from './sync';
import type { Operation } from './types';

let headerEl: HTMLElement | null = null;

export function mountHeader(el: HTMLElement): void {
  headerEl = el;
  renderHeader();
  onLangChange(renderHeader);
  onSyncStatus(updateBadge);
  onInboxChange(updateInbox);
}

export function renderHeader(): void {
  if (!headerEl) return;
  const s = session();
  headerEl.replaceChildren(
    h(
      'div',
      { class: 'hdr-who' },
      h('div', { class: 'hdr-store' }, s ? localName(s.store) || s.store.store_id : t('app_name')),
      h('div', { class: 'hdr-staff' }, s ? `${s.staff.name} · ${s.store.store_id}` : t('signin_subtitle')),
    ),
    h(
      'div',
      { class: 'hdr-actions' },
      h(
        'div',
        { class: 'badge', 'data-testid': 'badge', role: 'status', 'aria-live': 'polite' },
        h('span', { class: 'badge-dot' }),
        h('span', { class: 'badge-state' }),
        h('span', { class: 'badge-pending' }),
      ),
      h('button', {
        class: 'chip chip-inbox',
        type: 'button',
        'data-testid': 'inbox-badge',
        hidden: true,
        onclick: showInbox,
      }),
      h('button', {
        class: 'chip chip-rejected',
        type: 'button',
        'data-testid': 'rejected-badge',
        hidden: true,
        onclick: () => void showRejected(),
      }),
      h(
        'button',
        {
          class: 'hdr-btn',
          type: 'button',
          'data-testid': 'lang-switch',
          'aria-label': t('lang_switch_label'),
          onclick: toggleLang,
        },
        t('lang_switch'),
      ),
      s
        ? h(
            'button',
            {
              class: 'hdr-btn hdr-icon',
              type: 'button',
              'data-testid': 'menu-button',
              'aria-label': t('menu'),
              title: t('menu'),
              onclick: showMenu,
            },
            menuIcon(),
          )
        : null,
    ),
  );
  updateBadge(syncStatus());
  updateInbox();
  void refreshInbox();
}

function updateInbox(): void {
  const chip = headerEl?.querySelector<HTMLButtonElement>('[data-testid="inbox-badge"]');
  if (!chip) return;
  const n = inboxCount();
  chip.hidden = n === 0;
  chip.dataset.count = String(n);
  chip.textContent = t('inbox_badge', { n });
}

function updateBadge(st: SyncStatus): void {
  const app = document.getElementById('app');
  app?.setAttribute('data-catalog-count', String(st.catalogCount));
  app?.setAttribute('data-catalog-synced', String(st.catalogSynced));
  app?.setAttribute('data-members-count', String(st.caches.members.count));
  app?.setAttribute('data-stock-count', String(st.caches.stock.count));
  const badge = headerEl?.querySelector<HTMLElement>('[data-testid="badge"]');
  if (!badge) return;
  badge.dataset.online = String(st.online);
  badge.dataset.pending = String(st.pending);
  badge.dataset.rejected = String(st.rejected);
  badge.classList.toggle('is-offline', !st.online);
  badge.classList.toggle('has-pending', st.pending > 0);
  badge.querySelector('.badge-state')!.textContent = st.online ? t('online') : t('offline');
  const pending = badge.querySelector<HTMLElement>('.badge-pending')!;
  pending.textContent = String(st.pending);
  pending.hidden = st.pending === 0;
  badge.title = st.pending > 0 ? t('pending', { n: st.pending }) : t('synced');
  badge.setAttribute('aria-label', `${st.online ? t('online') : t('offline')}, ${badge.title}`);
  const rejected = headerEl?.querySelector<HTMLButtonElement>('[data-testid="rejected-badge"]');
  if (rejected) {
    rejected.hidden = st.rejected === 0;
    rejected.textContent = t('rejected', { n: st.rejected });
  }
}

/** The menu: sell, cash drawer, printer, back office (for roles that have it), switch associate, sign out. */
function showMenu(): void {
  const s = session();
  const may = (p: string) => s?.permissions?.includes(p) ?? false;
  const item = (key: MessageKey, testid: string, fn: () => void) =>
    h('button', { class: 'btn btn-secondary btn-block menu-item', type: 'button', 'data-testid': testid, onclick: () => { dialog.close(); fn(); } }, t(key));
  const dialog = h(
    'dialog',
    { class: 'sheet', 'data-testid': 'menu' },
    h('h2', {}, s ? `${s.staff.name} · ${s.staff.role}${s.offline ? ` · ${t('offline_session')}` : ''}` : t('menu')),
    item('menu_sell', 'menu-sell', () => go({ name: 'sell' })),
    item('menu_returns', 'menu-returns', () => go({ name: 'returns' })),
    item('menu_drawer', 'menu-drawer', () => go({ name: 'drawer' })),
    item('menu_sync', 'menu-sync', () => go({ name: 'sync' })),
    item('menu_printer', 'menu-printer', showPrinterSettings),
    may('staff.read') || may('device.manage') || may('audit.read') ? item('menu_backoffice', 'backoffice-button', () => go({ name: 'backoffice' })) : null,
    item('menu_switch', 'menu-switch', () => lockTerminal('switch')),
    item('sign_out', 'signout-button', signOut),
    h('button', { class: 'btn btn-block', type: 'button', onclick: () => dialog.close() }, t('close')),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

/** Signs out — but not while operations wait to be sent (switching associate stays possible). */
function signOut(): void {
  const queued = syncStatus().pending;
  if (queued > 0) {
    toast(t('signout_pending', { n: queued }), 'error');
    return;
  }
  lockTerminal();
}

/**
 * Ends the associate's session but keeps the cart and the outbox: sign out, switch associate, or
 * the idle lock. The sign-in screen comes back with the store (and for a lock, the staff code) filled.
 */
export function lockTerminal(notice?: 'switch' | 'idle_locked' | 'offline_limit'): void {
  const staffCode = session()?.staff.staff_code ?? '';
  clearSession();
  renderHeader();
  go({ name: 'signin', ...(notice ? { notice } : {}), ...(notice === 'idle_locked' ? { staff: staffCode } : {}) });
}

async function showRejected(): Promise<void> {
  const ops = await rejectedOps();
  const dialog = h(
    'dialog',
    { class: 'sheet', 'data-testid': 'rejected-list' },
    h('h2', {}, t('rejected_title')),
    h('p', { class: 'muted' }, t('rejected_hint')),
    h(
      'ul',
      { class: 'rejected-list' },
      ops.map((r) =>
        h(
          'li',
          {},
          h('div', { class: 'mono' }, opLabel(r.op)),
          h('div', { class: 'muted' }, formatDateTime(r.op.device_time)),
          h('div', { class: 'error-text' }, r.error ? `${r.error.code}: ${r.error.message}` : '—'),
        ),
      ),
    ),
    h('button', { class: 'btn btn-secondary btn-block', type: 'button', onclick: () => dialog.close() }, t('close')),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

function menuIcon(): SVGSVGElement {
  return svgIcon('<path d="M4 6h16M4 12h16M4 18h16" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>');
}

/** What a rejected operation was about: its sale, its return or its drawer session. */
function opLabel(op: Operation): string {
  const p = op.payload as { sale_id?: string; return_id?: string; session_id?: string };
  if (p.sale_id) return `${t('sale_id')} ${p.sale_id}`;
  return `${op.type} ${p.return_id ?? p.session_id ?? op.op_id}`;
}
