// Entry point of the associate terminal: registers the service worker, loads the WASM core,
// starts the sync loop and shows sign-in or, with a saved session, the sell screen.

import { registerSW } from 'virtual:pwa-register';
import { onUnauthorized } from './api';
import { go, mount, registerScreen, rerender, route } from './app';
import { loadCore } from './core';
import { loadRules } from './rules';
import { mountHeader, renderHeader } from './header';
import { onLangChange } from './i18n';
import { renderPay } from './screens/pay';
import { renderReceipt } from './screens/receipt';
import { renderSell } from './screens/sell';
import { renderSignIn } from './screens/signin';
import { clearSession, ensureDeviceId, session } from './session';
import { startSync, syncNow } from './sync';
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
  clearSession();
  renderHeader();
  go({ name: 'signin', notice: 'session_expired' });
});
onLangChange(rerender);

void ensureDeviceId();
startSync();
if (session()) {
  go({ name: 'sell' });
  syncNow();
} else {
  go({ name: 'signin' });
}
