// Sign-in: store id (the last one used on this device, else SH01), staff code and PIN.
// Queued sales survive a sign-out or an expired session and are sent after signing in.
// A server that serves enrolled devices only asks for the one-time enrollment code first. With
// no network, staff of the device's store sign in against the encrypted verifier cache for the
// store's offline period (docs/security.md, "Offline sign-in").

import { ApiError, NetworkError, enrollDevice, signIn } from '../api';
import { go, type Route } from '../app';
import { h } from '../dom';
import { renderHeader } from '../header';
import { t, type MessageKey } from '../i18n';
import { ensureDeviceId, lastStoreId, lastStoreInfo, saveDeviceCredential, saveSession } from '../session';
import { syncNow, syncStatus } from '../sync';
import type { Session } from '../types';
import { checkPinOffline, cryptoAvailable, lastOnline, loadVerifiers, noteOnline, offlineLockRemaining, refreshVerifiers } from '../verifiers';

type OfflineResult = { session: Session } | { error: MessageKey; params?: Record<string, string | number> };

/** Signs in against the device's verifier cache, within the store's offline period. */
async function signInOffline(storeId: string, staffCode: string, pin: string): Promise<OfflineResult> {
  if (!cryptoAvailable()) return { error: 'offline_needs_https' };
  const cache = await loadVerifiers();
  const store = lastStoreInfo();
  if (!cache || !store || cache.store_id !== storeId || store.store_id !== storeId) return { error: 'offline_no_cache' };
  const since = await lastOnline();
  const limitMs = cache.offline_signin_hours * 3600 * 1000;
  if (since === null || Date.now() - since > limitMs) return { error: 'offline_too_long', params: { h: cache.offline_signin_hours } };
  const checked = await checkPinOffline(cache, staffCode, pin);
  if (!checked.ok) {
    if (checked.reason === 'locked') return { error: 'offline_locked' };
    const wait = await offlineLockRemaining();
    return wait > 0 ? { error: 'offline_locked' } : { error: 'err_invalid_credentials' };
  }
  const staff = checked.staff;
  return {
    session: {
      token: '',
      offline: true,
      expires_at: new Date(since + limitMs).toISOString(),
      staff: { staff_code: staff.staff_code, name: staff.name, role: staff.role, store_id: storeId },
      store,
      permissions: staff.permissions,
      limits: staff.limits,
    },
  };
}

let draft = { store: '', staff: '' };

export function renderSignIn(main: HTMLElement, route: Route): void {
  const notice = route.name === 'signin' ? route.notice : undefined;
  if (route.name === 'signin' && route.staff) draft.staff = route.staff;
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
  const enrollInput = h('input', {
    id: 'signin-enroll',
    'data-testid': 'enroll-code',
    name: 'enrollment_code',
    autocomplete: 'off',
    autocapitalize: 'characters',
    spellcheck: 'false',
    placeholder: 'XXXX-XXXX-XXXX',
  });
  const enrollBlock = h(
    'div',
    { class: 'enroll', 'data-testid': 'enroll-block', hidden: true },
    h('p', { class: 'notice' }, t('enroll_needed')),
    h('label', { class: 'field', for: 'signin-enroll' }, h('span', {}, t('enroll_code')), enrollInput),
  );
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
    enrollBlock,
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
    // Operations still queued belong to the last store: another store waits until they are sent.
    const queued = syncStatus().pending;
    if (queued > 0 && lastStoreId() && store_id !== lastStoreId()) {
      showError(t('err_store_switch_pending', { n: queued, store: lastStoreId() }));
      return;
    }
    button.disabled = true;
    button.textContent = t('signing_in');
    error.hidden = true;
    void (async () => {
      const device_id = await ensureDeviceId();
      try {
        if (!enrollBlock.hidden && enrollInput.value.trim()) {
          const enrolled = await enrollDevice(enrollInput.value.trim(), device_id);
          await saveDeviceCredential(enrolled.credential, enrolled.store_id);
          enrollBlock.hidden = true;
        }
        const s = await signIn({ store_id, device_id, staff_code, pin });
        saveSession(s);
        await noteOnline();
        void refreshVerifiers().catch((e: unknown) => console.warn('verifier cache', e));
        done();
      } catch (e) {
        pinInput.value = '';
        if (e instanceof ApiError) {
          if (e.code === 'device_credential_required' || e.code === 'invalid_device_credential') {
            enrollBlock.hidden = false;
            showError(t('enroll_needed'));
            enrollInput.focus();
          } else if (e.code === 'invalid_enrollment_code') showError(t('enroll_bad_code'));
          else if (e.code === 'device_revoked') showError(t('device_revoked'));
          else if (e.code === 'invalid_credentials' || e.status === 401) showError(t('err_invalid_credentials'));
          else if (e.code === 'too_many_attempts' || e.status === 429)
            showError(e.retryAfterSeconds !== null ? t('err_too_many_attempts', { s: e.retryAfterSeconds }) : t('err_too_many_attempts_later'));
          else showError(t('err_server', { message: e.message }));
        } else if (e instanceof NetworkError) {
          const offline = await signInOffline(store_id, staff_code, pin);
          if ('session' in offline) {
            saveSession(offline.session);
            done();
            return;
          }
          showError(`${t('err_network')} ${t(offline.error, offline.params)}`);
        } else {
          showError(String(e));
        }
        button.disabled = false;
        button.textContent = t('signin_button');
        (enrollBlock.hidden ? pinInput : enrollInput).focus();
      }
    })();
  });

  function done(): void {
    draft = { store: '', staff: '' };
    renderHeader();
    syncNow();
    go({ name: 'sell' });
  }

  main.append(form);
  (staffInput.value ? pinInput : staffInput).focus();
}
