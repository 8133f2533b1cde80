// The header: store and associate, the sync badge (online/offline, operations waiting in the
// outbox, operations the server rejected), the language switch and sign out.

import { go } from './app';
import { rejectedOps } from './db';
import { h } from './dom';
import { formatDateTime, localName, onLangChange, t, toggleLang } from './i18n';
import { clearSession, session } from './session';
import { onSyncStatus, syncStatus, type SyncStatus } from './sync';

let headerEl: HTMLElement | null = null;

export function mountHeader(el: HTMLElement): void {
  headerEl = el;
  renderHeader();
  onLangChange(renderHeader);
  onSyncStatus(updateBadge);
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
              'data-testid': 'signout-button',
              'aria-label': t('sign_out'),
              title: t('sign_out'),
              onclick: () => {
                clearSession();
                renderHeader();
                go({ name: 'signin' });
              },
            },
            signOutIcon(),
          )
        : null,
    ),
  );
  updateBadge(syncStatus());
}

function updateBadge(st: SyncStatus): void {
  const app = document.getElementById('app');
  app?.setAttribute('data-catalog-count', String(st.catalogCount));
  app?.setAttribute('data-catalog-synced', String(st.catalogSynced));
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
          h('div', { class: 'mono' }, `${t('sale_id')} ${r.op.payload.sale_id}`),
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

function signOutIcon(): SVGSVGElement {
  const el = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  el.setAttribute('viewBox', '0 0 24 24');
  el.setAttribute('width', '18');
  el.setAttribute('height', '18');
  el.setAttribute('aria-hidden', 'true');
  el.innerHTML =
    '<path d="M9 20H5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1h4M16 16l4-4-4-4M20 12H9" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>';
  return el;
}
