// Sign-in: store id (the last one used on this device, else SH01), staff code and PIN.
// Queued sales survive a sign-out or an expired session and are sent after signing in.

import { ApiError, NetworkError, signIn } from '../api';
import { go, type Route } from '../app';
import { h } from '../dom';
import { renderHeader } from '../header';
import { t } from '../i18n';
import { ensureDeviceId, lastStoreId, saveSession } from '../session';
import { syncNow, syncStatus } from '../sync';

let draft = { store: '', staff: '' };

export function renderSignIn(main: HTMLElement, route: Route): void {
  const notice = route.name === 'signin' ? route.notice : undefined;
  const storeInput = h('input', {
    id: 'signin-store',
    'data-testid': 'signin-store',
    name: 'store_id',
    autocomplete: 'off',
    autocapitalize: 'characters',
    spellcheck: 'false',
    required: true,
    value: draft.store || lastStoreId(),
  });
  const staffInput = h('input', {
    id: 'signin-staff',
    'data-testid': 'signin-staff',
    name: 'staff_code',
    inputmode: 'numeric',
    autocomplete: 'username',
    required: true,
    value: draft.staff,
  });
  const pinInput = h('input', {
    id: 'signin-pin',
    'data-testid': 'signin-pin',
    name: 'pin',
    type: 'password',
    inputmode: 'numeric',
    pattern: '[0-9]*',
    autocomplete: 'current-password',
    required: true,
  });
  const error = h('p', { class: 'form-error', 'data-testid': 'signin-error', role: 'alert', hidden: true });
  const button = h('button', { class: 'btn btn-primary btn-block btn-lg', type: 'submit', 'data-testid': 'signin-button' }, t('signin_button'));
  const pending = syncStatus().pending;

  const showError = (message: string) => {
    error.textContent = message;
    error.hidden = false;
  };

  const form = h(
    'form',
    { class: 'signin-form', novalidate: true },
    h('div', { class: 'signin-brand' }, h('img', { src: '/icon.svg', alt: '', width: 56, height: 56 }), h('h1', {}, t('signin_title')), h('p', { class: 'muted' }, t('signin_subtitle'))),
    notice ? h('p', { class: 'notice', 'data-testid': 'signin-notice' }, t(notice)) : null,
    pending > 0 ? h('p', { class: 'notice' }, t('outbox_kept', { n: pending })) : null,
    h('label', { class: 'field', for: 'signin-store' }, h('span', {}, t('store_id')), storeInput),
    h('label', { class: 'field', for: 'signin-staff' }, h('span', {}, t('staff_code')), staffInput),
    h('label', { class: 'field', for: 'signin-pin' }, h('span', {}, t('pin')), pinInput),
    error,
    button,
  );

  storeInput.addEventListener('input', () => (draft.store = storeInput.value));
  staffInput.addEventListener('input', () => (draft.staff = staffInput.value));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const store_id = storeInput.value.trim().toUpperCase();
    const staff_code = staffInput.value.trim();
    const pin = pinInput.value;
    if (!store_id || !staff_code || !pin) {
      showError(t('err_fields_required'));
      return;
    }
    button.disabled = true;
    button.textContent = t('signing_in');
    error.hidden = true;
    void (async () => {
      try {
        const device_id = await ensureDeviceId();
        const s = await signIn({ store_id, device_id, staff_code, pin });
        saveSession(s);
        draft = { store: '', staff: '' };
        renderHeader();
        syncNow();
        go({ name: 'sell' });
      } catch (e) {
        pinInput.value = '';
        if (e instanceof ApiError) {
          if (e.code === 'invalid_credentials' || e.status === 401) showError(t('err_invalid_credentials'));
          else if (e.code === 'too_many_attempts' || e.status === 429)
            showError(e.retryAfterSeconds !== null ? t('err_too_many_attempts', { s: e.retryAfterSeconds }) : t('err_too_many_attempts_later'));
          else showError(t('err_server', { message: e.message }));
        } else if (e instanceof NetworkError) {
          showError(t('err_network'));
        } else {
          showError(String(e));
        }
        button.disabled = false;
        button.textContent = t('signin_button');
        pinInput.focus();
      }
    })();
  });

  main.append(form);
  (staffInput.value ? pinInput : staffInput).focus();
}
