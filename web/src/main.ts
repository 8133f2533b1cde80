// Entry point of the associate terminal: registers the service worker, loads the WASM core,
// starts the sync loop and shows sign-in or, with a saved session, the sell screen.

import { registerSW } from 'virtual:pwa-register';
import { onReachability, onUnauthorized } from './api';
import { go, mount, registerScreen, rerender, route } from './app';
import { loadCore } from './core';
import { loadRules } from './rules';
import { lockTerminal, mountHeader, renderHeader } from './header';
import { toast } from './dom';
import { onLangChange, t } from './i18n';
import { renderBackOffice } from './screens/backoffice';
import { renderDrawer } from './screens/drawer';
import { renderPay } from './screens/pay';
import { renderReceipt } from './screens/receipt';
import { renderReturns } from './screens/returns';
import { renderSell } from './screens/sell';
import { renderSignIn } from './screens/signin';
import { renderSyncScreen } from './screens/sync';
import { clearSession, ensureDeviceId, restoreDeviceCredential, session } from './session';
import { pushOutbox, startSync, syncNow, syncStatus } from './sync';
import { noteOnline, offlineTooLong } from './verifiers';
import './style.css';

registerSW({ immediate: true });

const app = document.getElementById('app')!;
const header = document.createElement('header');
header.className = 'app-header';
const main = document.createElement('main');
app.append(header, main);

registerScreen('signin', renderSignIn);
registerScreen('sell', renderSell);
registerScreen('pay', renderPay);
registerScreen('receipt', renderReceipt);
registerScreen('drawer', renderDrawer);
registerScreen('sync', renderSyncScreen);
registerScreen('returns', renderReturns);
registerScreen('backoffice', (m) => renderBackOffice(m));
mount(main);
mountHeader(header);

// "ready" once the core and the stored pricing rules are loaded: carts can be priced offline.
const core = Promise.all([loadCore(), loadRules()]);
core.then(
  () => app.setAttribute('data-core', 'ready'),
  (e: unknown) => {
    console.error('WASM core', e);
    app.setAttribute('data-core', 'failed');
  },
);

onUnauthorized(() => {
  if (route().name === 'signin') return;
  // Signed in offline: selling goes on; syncing waits for an online sign-in.
  if (session()?.offline) return toast(t('offline_needs_signin'), 'error');
  clearSession();
  renderHeader();
  go({ name: 'signin', notice: 'session_expired' });
});
onLangChange(rerender);

// The idle lock: no touch, key or scan for idleMinutes locks the terminal; the cart is kept.
const idleMinutes = Number(localStorage.getItem('aisle.idle_minutes') ?? '5') || 5;
let lastActivity = Date.now();
for (const ev of ['pointerdown', 'keydown']) addEventListener(ev, () => (lastActivity = Date.now()), { passive: true });
setInterval(() => {
  if (session() && route().name !== 'signin' && Date.now() - lastActivity > idleMinutes * 60_000) lockTerminal('idle_locked');
}, 15_000);

// The store's offline limit: a device that has not reached the server for longer than the store's
// offline_signin_hours locks, and staff sign in again online (offline sign-in is refused then too).
// Every answer from the server counts as contact (noted at most once a minute).
let notedOnline = 0;
onReachability((yes) => {
  if (yes && Date.now() - notedOnline > 60_000) {
    notedOnline = Date.now();
    void noteOnline();
  }
});
const checkOfflineLimit = async (): Promise<void> => {
  const offline = !navigator.onLine || !syncStatus().online;
  if (session() && route().name !== 'signin' && offline && (await offlineTooLong())) lockTerminal('offline_limit');
};
setInterval(() => void checkOfflineLimit(), 15_000);
window.addEventListener('offline', () => void checkOfflineLimit());

void restoreDeviceCredential();
void ensureDeviceId();
// Ask the browser not to evict the outbox under storage pressure; say so (once) when it will not.
void navigator.storage?.persist?.().then((granted) => {
  document.getElementById('app')?.setAttribute('data-storage-persisted', String(granted));
  if (!granted && !localStorage.getItem('aisle.persist_warned')) {
    localStorage.setItem('aisle.persist_warned', '1');
    toast(t('storage_not_persisted'));
  }
});
startSync();
if (session()) {
  go({ name: 'sell' });
  syncNow();
} else {
  go({ name: 'signin' });
  void pushOutbox();  // what an earlier session queued goes out as soon as it can
}
