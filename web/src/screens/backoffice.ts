// The back office (issue #5): a store's staff (add, disable and enable, reset a PIN), its devices
// (one-time enrollment codes with a QR code, revocation) and its audit log (filters, CSV export,
// chain verification). A tab shows only when the role holds its permission (docs/security.md);
// the server checks every call again. Chain roles (area manager, HQ admin) may open another store.
// Everything here needs the server: nothing is cached on the device.

import '../backoffice.css';
import { ApiError, NetworkError, request, requestRaw } from '../api';
import { go } from '../app';
import { h, toast } from '../dom';
import { formatDateTime, lang, localName } from '../i18n';
import { isBoKey, tb, type BoKey } from '../i18n_backoffice';
import { exceptionsTab } from './exceptions_tab';
import { promotionsTab } from './promotions_tab';
import { ensureDeviceId, session } from '../session';
import type { Session } from '../types';

type Tab = 'staff' | 'devices' | 'exceptions' | 'promotions' | 'audit';

const tabPermission: Record<Tab, string> = { staff: 'staff.read', devices: 'device.manage', exceptions: 'approve', promotions: 'rules.publish', audit: 'audit.read' };
const tabLabel: Record<Tab, BoKey> = { staff: 'tab_staff', devices: 'tab_devices', exceptions: 'tab_exceptions', promotions: 'tab_promotions', audit: 'tab_audit' };

interface RoleDoc {
  role: string;
  name_zh: string;
  name_en: string;
  scope: 'store' | 'chain' | string;
  permissions: string[];
  limits: { min_pin_length?: number; [k: string]: number | undefined };
}

interface StaffRow {
  staff_code: string;
  name: string;
  role: string;
  active: boolean;
}

interface DeviceRow {
  device_id: string;
  name: string;
  status: 'active' | 'revoked' | string;
  enrolled: boolean;
  registered_at: string | null;
  last_push: string | null;
}

/** An enrollment code not used yet, as GET /api/v1/devices/enrollments lists it (never the code). */
interface PendingCode {
  id: number;
  device_name: string;
  created_by: string;
  expires_at: string;
}

interface Enrollment {
  code: string;
  store_id: string;
  device_name: string;
  expires_at: string;
}

interface AuditEntry {
  seq: number;
  time: string;
  actor: string;
  role: string;
  device_id: string;
  action: string;
  object: string;
  before: unknown;
  after: unknown;
  approval: { approver?: string; rule?: string; reason?: string } | null;
}

interface ChainReport {
  store_id: string;
  entries: number;
  anchored_seq: number | null;
  intact: boolean;
  broken_seq: number | null;
  problem: string;
}

/** Actions the server writes today (server/*.cpp); the filter also offers every action seen. */
const knownActions = [
  'session.signed_in',
  'session.sign_in_failed',
  'session.locked_out',
  'staff.added',
  'staff.disabled',
  'staff.enabled',
  'staff.pin_reset',
  'device.enrollment_created',
  'device.enrolled',
  'device.revoked',
  'role.added',
  'role.changed',
  'rules.published',
  'coupons.issued',
  'sale.returned',
  'sale.completed',
  'drawer.opened',
  'drawer.moved',
  'drawer.closed',
  'op.rejected',
];

/** Sessions saved before the sign-in answer carried permissions: the built-in roles' share. */
const builtInPermissions: Record<string, string[]> = {
  store_manager: ['staff.read', 'staff.manage', 'device.manage', 'audit.read'],
  area_manager: ['staff.read', 'staff.manage', 'device.manage', 'audit.read'],
  hq_admin: ['staff.read', 'staff.manage', 'device.manage', 'audit.read', 'role.manage'],
};
const chainRoles = new Set(['area_manager', 'hq_admin']);

/**
 * What survives a re-render (a language switch renders the screen again): the tab, the store, the
 * enrollment code on show and the audit filters. It belongs to one session and is dropped with it.
 */
interface State {
  owner: string;
  tab: Tab | null;
  store: string;
  enrollment: Enrollment | null;
  addOpen: boolean;
  filters: { actor: string; action: string; from: string; to: string; limit: string };
  actionsSeen: Set<string>;
  roles: RoleDoc[] | null;
}

let state: State | null = null;

function stateFor(s: Session): State {
  if (!state || state.owner !== s.token) {
    state = {
      owner: s.token,
      tab: null,
      store: s.store.store_id,
      enrollment: null,
      addOpen: false,
      filters: { actor: '', action: '', from: '', to: '', limit: '200' },
      actionsSeen: new Set(),
      roles: null,
    };
  }
  return state;
}

function permissionsOf(s: Session): Set<string> {
  return new Set(s.permissions ?? builtInPermissions[s.staff.role] ?? []);
}

const enc = encodeURIComponent;

/** The message for an error of a back-office call, in the current language. */
function errorText(e: unknown, ctx: { minPin?: number | undefined; pin?: string; store?: string } = {}): string {
  if (e instanceof NetworkError) return tb('err_network');
  if (!(e instanceof ApiError)) return tb('err_server', { message: e instanceof Error ? e.message : String(e) });
  const field = e.body.field ?? '';
  switch (e.code) {
    case 'weak_pin':
      if (ctx.pin && /^(\d)\1*$/.test(ctx.pin) && ctx.pin.length >= (ctx.minPin ?? 4)) return tb('err_weak_pin_repeat');
      return ctx.minPin ? tb('err_weak_pin_length', { min: ctx.minPin }) : tb('err_server', { message: e.message });
    case 'forbidden':
      if (field === 'store_id' || field === 'store') return tb('err_forbidden_store');
      if (field === 'role') return tb('err_forbidden_role');
      return tb('err_forbidden');
    case 'store_not_found':
      return tb('err_store_not_found', { store: ctx.store ?? '' });
    case 'staff_not_found':
    case 'device_not_found':
      return tb('err_not_found');
    case 'invalid_parameter':
      return field === 'limit' ? tb('err_limit') : tb('err_invalid_parameter');
    case 'missing_field':
      return tb('required');
  }
  const key = `err_${e.code}`;
  return isBoKey(key) ? tb(key) : tb('err_server', { message: e.message });
}

/** A labelled form field with its own error line (data-testid="field-error-<name>"). */
function field(name: string, label: string, control: HTMLElement, hint?: HTMLElement): { wrap: HTMLElement; error: HTMLElement } {
  const error = h('p', { class: 'form-error', 'data-testid': `field-error-${name}`, role: 'alert', hidden: true });
  const wrap = h('label', { class: 'field', 'data-field': name }, h('span', { class: 'bo-label' }, label), control, hint ?? null, error);
  return { wrap, error };
}

/** Shows an error next to its field, or in the form's own error line when the field is not there. */
class FormErrors {
  constructor(
    private readonly fields: Record<string, HTMLElement>,
    private readonly general: HTMLElement,
  ) {}

  clear(): void {
    for (const el of [...Object.values(this.fields), this.general]) {
      el.textContent = '';
      el.hidden = true;
    }
  }

  show(fieldName: string | undefined, message: string): void {
    const el = (fieldName && this.fields[fieldName]) || this.general;
    el.textContent = message;
    el.hidden = false;
    const input = el.parentElement?.querySelector<HTMLElement>('input, select');
    if (el !== this.general && input) input.focus();
  }
}

function pinInput(testid: string): HTMLInputElement {
  return h('input', {
    type: 'password',
    inputmode: 'numeric',
    autocomplete: 'new-password',
    pattern: '[0-9]*',
    maxlength: 12,
    'data-testid': testid,
  });
}

function pill(kind: 'ok' | 'off' | 'info', text: string, testid?: string): HTMLElement {
  return h('span', { class: `bo-pill bo-pill-${kind}`, ...(testid ? { 'data-testid': testid } : {}) }, text);
}

function backIcon(): SVGSVGElement {
  const el = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  el.setAttribute('viewBox', '0 0 24 24');
  el.setAttribute('width', '18');
  el.setAttribute('height', '18');
  el.setAttribute('aria-hidden', 'true');
  el.innerHTML =
    '<path d="M15 18l-6-6 6-6" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>';
  return el;
}

/** datetime-local "2026-11-25T18:00" (the device's time zone) → "2026-11-25T10:00:00Z". */
export function localInputToIso(value: string, addSeconds = 0): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() + addSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function shortValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v.length > 40 ? `${v.slice(0, 39)}…` : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** A one-line summary of an entry's `after`, showing `before → after` for the fields that changed. */
export function summarizeChange(before: unknown, after: unknown): string {
  if (!after || typeof after !== 'object') return '';
  const old = before && typeof before === 'object' ? (before as Record<string, unknown>) : {};
  const parts = Object.entries(after as Record<string, unknown>).map(([k, v]) =>
    k in old && shortValue(old[k]) !== shortValue(v) ? `${k}: ${shortValue(old[k])} → ${shortValue(v)}` : `${k}: ${shortValue(v)}`,
  );
  const text = parts.join(' · ');
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

/** A long device id (a UUID) cut to its first 8 characters; the full id is in the CSV and the title. */
function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

function actionLabel(action: string): string {
  const key = `act_${action.replace(/\./g, '_')}`;
  return isBoKey(key) ? tb(key) : action;
}

/** A date and time to the minute in the current language, e.g. "Nov 26, 10:00 PM". */
function formatShort(iso: string): string {
  return new Intl.DateTimeFormat(lang(), { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
}

export function renderBackOffice(main: HTMLElement): () => void {
  const s = session();
  let alive = true;
  const dialogs = new Set<HTMLDialogElement>();
  const cleanup = () => {
    alive = false;
    for (const d of dialogs) d.remove();
  };
  if (!s) {
    queueMicrotask(() => go({ name: 'signin' })); // not from inside the router's render
    return cleanup;
  }
  const st = stateFor(s);
  const perms = permissionsOf(s);
  const tabs = (['staff', 'devices', 'exceptions', 'promotions', 'audit'] as Tab[]).filter((tab) => perms.has(tabPermission[tab]));
  const mayManageStaff = perms.has('staff.manage');
  let thisDevice = '';
  void ensureDeviceId().then((id) => (thisDevice = id));

  const root = h('div', { class: 'bo', 'data-testid': 'backoffice' });
  main.append(root);

  const back = h(
    'button',
    { class: 'bo-back', type: 'button', 'data-testid': 'bo-back', 'aria-label': tb('bo_back_label'), onclick: () => go({ name: 'sell' }) },
    backIcon(),
    h('span', {}, tb('bo_back')),
  );
  const top = h('div', { class: 'bo-top' }, back, h('h1', { class: 'bo-title' }, tb('bo_title')));
  root.append(top);

  if (s.offline) {
    root.append(h('div', { class: 'bo-panel' }, h('p', { class: 'notice', 'data-testid': 'bo-notice' }, tb('offline_session'))));
    return cleanup;
  }
  if (tabs.length === 0) {
    root.append(h('div', { class: 'bo-panel' }, h('p', { class: 'notice', 'data-testid': 'bo-notice' }, tb('no_access'))));
    return cleanup;
  }
  if (!st.tab || !tabs.includes(st.tab)) st.tab = tabs[0]!;

  // ---- store (a chain role may open any store; a store role sees its own)
  const isChain = (): boolean => {
    const doc = st.roles?.find((r) => r.role === s.staff.role);
    return doc ? doc.scope === 'chain' : chainRoles.has(s.staff.role);
  };
  const storeSlot = h('div', { class: 'bo-store' });
  top.append(storeSlot);
  const renderStore = () => {
    if (!isChain()) {
      storeSlot.replaceChildren(h('span', { class: 'bo-store-id', 'data-testid': 'bo-store' }, `${tb('store')} ${st.store}`));
      return;
    }
    const input = h('input', {
      class: 'bo-store-input',
      value: st.store,
      'aria-label': tb('store'),
      title: tb('store_hint_chain'),
      autocapitalize: 'characters',
      autocomplete: 'off',
      spellcheck: 'false',
      maxlength: 16,
      'data-testid': 'bo-store-input',
    });
    const form = h(
      'form',
      {
        class: 'bo-store-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const next = input.value.trim().toUpperCase();
          if (!next) {
            toast(tb('store_required'), 'error');
            return;
          }
          st.store = next;
          input.value = next;
          if (st.enrollment && st.enrollment.store_id !== next) st.enrollment = null;
          renderTab();
        },
      },
      input,
      h('button', { class: 'btn btn-secondary btn-sm', type: 'submit', 'data-testid': 'bo-store-show' }, tb('store_show')),
    );
    storeSlot.replaceChildren(form);
  };
  renderStore();

  // ---- tabs
  const tabBar = h('nav', { class: 'bo-tabs', role: 'tablist', 'aria-label': tb('tabs_label') });
  const panel = h('div', { class: 'bo-panel', role: 'tabpanel', 'data-testid': 'bo-panel' });
  if (tabs.length > 1) root.append(tabBar);
  root.append(panel);
  const renderTabBar = () => {
    tabBar.replaceChildren(
      ...tabs.map((tab) =>
        h(
          'button',
          {
            class: `bo-tab${tab === st.tab ? ' is-active' : ''}`,
            type: 'button',
            role: 'tab',
            'aria-selected': tab === st.tab ? 'true' : 'false',
            'data-testid': `bo-tab-${tab}`,
            onclick: () => {
              if (st.tab === tab) return;
              st.tab = tab;
              st.addOpen = false;
              renderTabBar();
              renderTab();
            },
          },
          tb(tabLabel[tab]),
        ),
      ),
    );
  };
  renderTabBar();

  let generation = 0;
  function renderTab(): void {
    const mine = ++generation;
    const current = () => alive && mine === generation;
    panel.replaceChildren();
    panel.scrollTop = 0;
    panel.dataset.tab = st.tab ?? '';
    if (st.tab === 'staff') void staffTab(current);
    else if (st.tab === 'devices') void devicesTab(current);
    else if (st.tab === 'exceptions') exceptionsTab(panel, st.store, current, (e: unknown) => errorText(e, { store: st.store }));
    else if (st.tab === 'promotions') promotionsTab(panel, current, (e: unknown) => errorText(e));
    else if (st.tab === 'audit') auditTab(current);
  }

  const loadingEl = () => h('p', { class: 'muted bo-loading', 'data-testid': 'bo-loading' }, tb('loading'));
  const failure = (e: unknown, retry: () => void) =>
    h(
      'div',
      { class: 'bo-failure', 'data-testid': 'bo-error', role: 'alert' },
      h('p', { class: 'form-error' }, errorText(e, { store: st.store })),
      h('button', { class: 'btn btn-secondary btn-sm', type: 'button', onclick: retry }, tb('retry')),
    );

  /** The roles (names, scope, PIN rules): once per session, when the role may read them. */
  let rolesLoading: Promise<RoleDoc[]> | null = null;
  function loadRoles(): Promise<RoleDoc[]> {
    if (st.roles) return Promise.resolve(st.roles);
    if (!perms.has('staff.read')) return Promise.resolve([]);
    rolesLoading ??= request<{ roles: RoleDoc[] }>('GET', '/api/v1/roles').then(
      (r) => {
        st.roles = r.roles;
        if (alive) renderStore();
        return r.roles;
      },
      (e: unknown) => {
        rolesLoading = null;
        throw e;
      },
    );
    return rolesLoading;
  }
  const roleLabel = (role: string) => {
    const doc = st.roles?.find((r) => r.role === role);
    return doc ? localName(doc) || role : role;
  };
  const minPinOf = (role: string) => st.roles?.find((r) => r.role === role)?.limits.min_pin_length;

  function openDialog(dialog: HTMLDialogElement): void {
    dialogs.add(dialog);
    dialog.addEventListener('close', () => {
      dialogs.delete(dialog);
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  }

  // ================================================================ staff
  async function staffTab(current: () => boolean, highlight = ''): Promise<void> {
    const store = st.store;
    panel.replaceChildren(loadingEl());
    let staff: StaffRow[];
    try {
      const [, list] = await Promise.all([
        loadRoles(),
        request<{ store_id: string; staff: StaffRow[] }>('GET', `/api/v1/staff?store=${enc(store)}`),
      ]);
      staff = list.staff;
    } catch (e) {
      if (current()) panel.replaceChildren(failure(e, () => void staffTab(current)));
      return;
    }
    if (!current()) return;
    const reload = (code = '') => void staffTab(current, code);

    const addButton = mayManageStaff
      ? h(
          'button',
          {
            class: 'btn btn-primary btn-sm',
            type: 'button',
            'data-testid': 'staff-add-open',
            'aria-expanded': String(st.addOpen),
            onclick: () => {
              st.addOpen = !st.addOpen;
              addButton!.setAttribute('aria-expanded', String(st.addOpen));
              form.hidden = !st.addOpen;
              if (st.addOpen) form.querySelector<HTMLInputElement>('input')?.focus();
            },
          },
          `+ ${tb('add_staff')}`,
        )
      : null;
    const form = addStaffForm(store, (code) => {
      st.addOpen = false;
      reload(code);
    });
    form.hidden = !st.addOpen || !mayManageStaff;

    const list = h(
      'ul',
      { class: 'bo-list', 'data-testid': 'staff-list' },
      staff.length === 0 ? h('li', { class: 'bo-empty muted' }, tb('no_staff')) : null,
      staff.map((row) => staffRow(store, row, row.staff_code === highlight, reload)),
    );
    panel.replaceChildren(
      h(
        'section',
        { class: 'bo-section' },
        h(
          'div',
          { class: 'bo-section-head' },
          h('div', {}, h('h2', {}, tb('staff_title', { store })), h('p', { class: 'muted' }, tb('staff_count', { n: staff.length }))),
          addButton,
        ),
        mayManageStaff ? form : null,
        list,
      ),
    );
    list.querySelector('.is-new')?.scrollIntoView({ block: 'nearest' });
  }

  function staffRow(store: string, row: StaffRow, isNew: boolean, reload: (code?: string) => void): HTMLElement {
    const me = store === s!.store.store_id && row.staff_code === s!.staff.staff_code;
    const busy = (on: boolean) => li.querySelectorAll('button').forEach((b) => (b.disabled = on));
    const toggle = async () => {
      busy(true);
      const verb = row.active ? 'disable' : 'enable';
      try {
        await request('POST', `/api/v1/staff/${enc(store)}/${enc(row.staff_code)}/${verb}`);
        if (!alive) return;
        toast(tb(row.active ? 'staff_disabled_done' : 'staff_enabled_done', { name: row.name }));
        reload();
      } catch (e) {
        if (!alive) return;
        busy(false);
        toast(errorText(e), 'error');
      }
    };
    const actions =
      mayManageStaff
        ? h(
            'div',
            { class: 'bo-row-actions' },
            me
              ? null
              : h(
                  'button',
                  {
                    class: `btn btn-secondary btn-sm${row.active ? ' btn-danger-text' : ''}`,
                    type: 'button',
                    'data-testid': row.active ? 'staff-disable' : 'staff-enable',
                    onclick: () => void toggle(),
                  },
                  tb(row.active ? 'disable' : 'enable'),
                ),
            // The server refuses acts on oneself here (a PIN change goes through another manager).
            me
              ? null
              : h(
                  'button',
                  { class: 'btn btn-secondary btn-sm', type: 'button', 'data-testid': 'staff-reset-pin', onclick: () => resetPinDialog(store, row) },
                  tb('reset_pin'),
                ),
          )
        : null;
    const li = h(
      'li',
      {
        class: `bo-row${row.active ? '' : ' is-off'}${isNew ? ' is-new' : ''}`,
        'data-testid': 'staff-row',
        'data-code': row.staff_code,
        'data-active': String(row.active),
      },
      h(
        'div',
        { class: 'bo-row-main' },
        h(
          'div',
          { class: 'bo-row-title' },
          h('span', { class: 'bo-code' }, row.staff_code),
          h('span', { class: 'bo-name' }, row.name),
          me ? pill('info', tb('staff_you')) : null,
        ),
        h('div', { class: 'bo-row-sub' }, roleLabel(row.role)),
      ),
      pill(row.active ? 'ok' : 'off', tb(row.active ? 'staff_active' : 'staff_disabled'), 'staff-status'),
      actions,
    );
    return li;
  }

  function addStaffForm(store: string, added: (code: string) => void): HTMLFormElement {
    const code = h('input', { autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', maxlength: 16, 'data-testid': 'staff-code-input' });
    const name = h('input', { autocomplete: 'off', maxlength: 64, 'data-testid': 'staff-name-input' });
    const roles = (st.roles ?? []).filter((r) => r.role !== 'hq_admin' || s!.staff.role === 'hq_admin');
    const role = h(
      'select',
      { 'data-testid': 'staff-role-select' },
      roles.map((r) => h('option', { value: r.role, selected: r.role === 'associate' }, localName(r) || r.role)),
    );
    const pin = pinInput('staff-pin-input');
    const pin2 = pinInput('staff-pin2-input');
    const hint = h('span', { class: 'bo-hint' });
    const updateHint = () => {
      const min = minPinOf(role.value);
      hint.textContent = min ? tb('pin_hint', { min }) : tb('pin_hint_any');
    };
    role.addEventListener('change', updateHint);
    updateHint();
    const f = {
      staff_code: field('staff_code', tb('staff_code'), code),
      name: field('name', tb('staff_name'), name),
      role: field('role', tb('staff_role'), role),
      pin: field('pin', tb('pin'), pin, hint),
      pin2: field('pin2', tb('pin_again'), pin2),
    };
    const general = h('p', { class: 'form-error', 'data-testid': 'staff-add-error', role: 'alert', hidden: true });
    const errors = new FormErrors(
      { staff_code: f.staff_code.error, name: f.name.error, role: f.role.error, pin: f.pin.error, pin2: f.pin2.error },
      general,
    );
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'staff-add-submit' }, tb('add_staff_submit'));
    const form = h(
      'form',
      { class: 'bo-card bo-form', 'data-testid': 'staff-add-form', novalidate: true },
      h('h3', {}, tb('add_staff_title')),
      h('div', { class: 'bo-grid' }, f.staff_code.wrap, f.name.wrap, f.role.wrap, f.pin.wrap, f.pin2.wrap),
      general,
      h(
        'div',
        { class: 'bo-form-actions' },
        h(
          'button',
          {
            class: 'btn btn-secondary',
            type: 'button',
            onclick: () => {
              st.addOpen = false;
              form.hidden = true;
              panel.querySelector('[data-testid="staff-add-open"]')?.setAttribute('aria-expanded', 'false');
            },
          },
          tb('cancel'),
        ),
        submit,
      ),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      errors.clear();
      const body = { store_id: store, staff_code: code.value.trim(), name: name.value.trim(), role: role.value, pin: pin.value };
      for (const [k, v] of [['staff_code', body.staff_code], ['name', body.name], ['pin', body.pin]] as const) {
        if (!v) return errors.show(k, tb('required'));
      }
      if (pin.value !== pin2.value) return errors.show('pin2', tb('pin_mismatch'));
      submit.disabled = true;
      request('POST', '/api/v1/staff', body).then(
        () => {
          if (!alive) return;
          toast(tb('staff_added', { name: body.name, code: body.staff_code }));
          added(body.staff_code);
        },
        (err: unknown) => {
          if (!alive) return;
          submit.disabled = false;
          const fieldName = err instanceof ApiError ? err.body.field : undefined;
          errors.show(fieldName === 'store_id' ? undefined : fieldName, errorText(err, { minPin: minPinOf(body.role), pin: body.pin }));
        },
      );
    });
    return form;
  }

  function resetPinDialog(store: string, row: StaffRow): void {
    const pin = pinInput('reset-pin-input');
    const pin2 = pinInput('reset-pin2-input');
    const min = minPinOf(row.role);
    const f1 = field('pin', tb('new_pin'), pin, h('span', { class: 'bo-hint' }, min ? tb('pin_hint', { min }) : tb('pin_hint_any')));
    const f2 = field('pin2', tb('pin_again'), pin2);
    const general = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const errors = new FormErrors({ pin: f1.error, pin2: f2.error }, general);
    const save = h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'reset-pin-save' }, tb('save'));
    const dialog = h(
      'dialog',
      { class: 'sheet bo-sheet', 'data-testid': 'reset-pin-dialog' },
      h(
        'form',
        {
          novalidate: true,
          onsubmit: (e: Event) => {
            e.preventDefault();
            errors.clear();
            if (!pin.value) return errors.show('pin', tb('required'));
            if (pin.value !== pin2.value) return errors.show('pin2', tb('pin_mismatch'));
            save.disabled = true;
            request('POST', `/api/v1/staff/${enc(store)}/${enc(row.staff_code)}/pin`, { pin: pin.value }).then(
              () => {
                if (!alive) return;
                dialog.close();
                toast(tb('pin_reset_done', { name: row.name }));
              },
              (err: unknown) => {
                if (!alive) return;
                save.disabled = false;
                errors.show(err instanceof ApiError && err.body.field === 'pin' ? 'pin' : undefined, errorText(err, { minPin: min, pin: pin.value }));
              },
            );
          },
        },
        h('h2', {}, tb('reset_pin_title', { name: row.name })),
        h('p', { class: 'muted' }, tb('reset_pin_hint')),
        f1.wrap,
        f2.wrap,
        general,
        h(
          'div',
          { class: 'dialog-actions' },
          h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => dialog.close() }, tb('cancel')),
          save,
        ),
      ),
    );
    openDialog(dialog);
    pin.focus();
  }

  // ================================================================ devices
  async function devicesTab(current: () => boolean): Promise<void> {
    const store = st.store;
    if (st.enrollment && Date.parse(st.enrollment.expires_at) <= Date.now()) st.enrollment = null;
    const enrollSlot = h('div', { class: 'bo-enroll-slot' });
    const listSlot = h('div', {}, loadingEl());
    const form = enrollForm(store, enrollSlot);
    panel.replaceChildren(form, enrollSlot, listSlot);
    if (st.enrollment) void showEnrollment(st.enrollment, enrollSlot, form);
    await loadDevices(store, listSlot, current);
  }

  async function loadDevices(store: string, slot: HTMLElement, current: () => boolean): Promise<void> {
    let devices: DeviceRow[];
    let codes: PendingCode[];
    try {
      [devices, codes] = await Promise.all([
        request<{ devices: DeviceRow[] }>('GET', `/api/v1/devices?store=${enc(store)}`).then((r) => r.devices),
        request<{ enrollments: PendingCode[] }>('GET', `/api/v1/devices/enrollments?store=${enc(store)}`).then((r) => r.enrollments),
      ]);
    } catch (e) {
      if (current()) slot.replaceChildren(failure(e, () => void loadDevices(store, slot, current)));
      return;
    }
    if (!current()) return;
    const reload = () => void loadDevices(store, slot, current);
    slot.replaceChildren(
      h(
        'section',
        { class: 'bo-section' },
        h(
          'div',
          { class: 'bo-section-head' },
          h('div', {}, h('h2', {}, tb('devices_title', { store })), h('p', { class: 'muted' }, tb('devices_count', { n: devices.length }))),
          h('button', { class: 'btn btn-secondary btn-sm', type: 'button', 'data-testid': 'devices-refresh', onclick: reload }, tb('refresh')),
        ),
        h(
          'ul',
          { class: 'bo-list', 'data-testid': 'device-list' },
          devices.length === 0 ? h('li', { class: 'bo-empty muted' }, tb('no_devices')) : null,
          devices.map((d) => deviceRow(d, reload)),
        ),
      ),
      ...(codes.length === 0
        ? []
        : [h(
            'section',
            { class: 'bo-section' },
            h('h3', {}, tb('pending_codes_title')),
            h(
              'ul',
              { class: 'bo-list', 'data-testid': 'pending-codes' },
              codes.map((c) =>
                h(
                  'li',
                  { class: 'bo-row', 'data-testid': 'pending-code' },
                  h('div', {}, h('strong', {}, c.device_name), h('div', { class: 'muted' }, tb('pending_code_row', { name: c.device_name, by: c.created_by, until: formatDateTime(c.expires_at) }))),
                  h(
                    'button',
                    {
                      class: 'btn btn-secondary btn-sm',
                      type: 'button',
                      'data-testid': 'cancel-code',
                      onclick: (e: Event) => {
                        (e.currentTarget as HTMLButtonElement).disabled = true;
                        request('POST', `/api/v1/devices/enrollments/${c.id}/cancel`).then(
                          () => {
                            if (!alive) return;
                            toast(tb('code_cancelled', { name: c.device_name }));
                            if (st.enrollment?.device_name !== c.device_name) return reload();
                            st.enrollment = null;  // the code on show was this one: take it off the screen too
                            void devicesTab(current);
                          },
                          (err: unknown) => alive && toast(errorText(err), 'error'),
                        );
                      },
                    },
                    tb('cancel_code'),
                  ),
                ),
              ),
            ),
          )]),
    );
  }

  function deviceRow(d: DeviceRow, reload: () => void): HTMLElement {
    const label = d.name || tb('no_name');
    const mine = d.device_id === thisDevice;
    const active = d.status === 'active';
    const confirmBox = h(
      'div',
      { class: 'bo-confirm', role: 'alertdialog', 'data-testid': 'revoke-confirm', hidden: true },
      h('p', {}, tb('revoke_confirm', { name: label })),
      mine ? h('p', { class: 'form-error' }, tb('revoke_self_warn')) : null,
      h(
        'div',
        { class: 'bo-form-actions' },
        h(
          'button',
          {
            class: 'btn btn-secondary btn-sm',
            type: 'button',
            onclick: () => {
              confirmBox.hidden = true;
              revoke.hidden = false;
            },
          },
          tb('cancel'),
        ),
        h(
          'button',
          {
            class: 'btn btn-danger btn-sm',
            type: 'button',
            'data-testid': 'revoke-yes',
            onclick: (e: Event) => {
              const b = e.currentTarget as HTMLButtonElement;
              b.disabled = true;
              request('POST', `/api/v1/devices/${enc(d.device_id)}/revoke`).then(
                () => {
                  if (!alive) return;
                  toast(tb('revoked_done', { name: label }));
                  reload();
                },
                (err: unknown) => {
                  if (!alive) return;
                  b.disabled = false;
                  toast(errorText(err), 'error');
                },
              );
            },
          },
          tb('revoke_yes'),
        ),
      ),
    );
    const revoke = h(
      'button',
      {
        class: 'btn btn-secondary btn-sm btn-danger-text',
        type: 'button',
        'data-testid': 'device-revoke',
        hidden: !active,
        onclick: () => {
          revoke.hidden = true;
          confirmBox.hidden = false;
          confirmBox.querySelector<HTMLButtonElement>('[data-testid="revoke-yes"]')?.focus();
        },
      },
      tb('revoke'),
    );
    return h(
      'li',
      { class: `bo-row${active ? '' : ' is-off'}`, 'data-testid': 'device-row', 'data-device-id': d.device_id, 'data-status': d.status },
      h(
        'div',
        { class: 'bo-row-main' },
        h(
          'div',
          { class: 'bo-row-title' },
          h('span', { class: 'bo-name' }, label),
          mine ? pill('info', tb('device_this')) : null,
          h('span', { class: 'bo-tag' }, tb(d.enrolled ? 'device_enrolled' : 'device_demo')),
        ),
        h('div', { class: 'bo-row-sub mono' }, d.device_id),
        h(
          'div',
          { class: 'bo-row-sub bo-dates' },
          h('span', {}, tb('device_registered', { time: d.registered_at ? formatDateTime(d.registered_at) : '—' })),
          h('span', {}, tb('device_last_push', { time: d.last_push ? formatDateTime(d.last_push) : tb('never') })),
        ),
      ),
      pill(active ? 'ok' : 'off', tb(active ? 'device_active' : 'device_revoked'), 'device-status'),
      h('div', { class: 'bo-row-actions' }, revoke),
      confirmBox,
    );
  }

  function enrollForm(store: string, slot: HTMLElement): HTMLFormElement {
    const name = h('input', {
      autocomplete: 'off',
      maxlength: 64,
      placeholder: tb('device_name_placeholder'),
      'data-testid': 'enroll-name-input',
    });
    const f = field('device_name', tb('device_name'), name);
    const general = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const errors = new FormErrors({ device_name: f.error }, general);
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'enroll-submit' }, tb('new_code'));
    const form: HTMLFormElement = h(
      'form',
      {
        class: 'bo-card bo-form',
        'data-testid': 'enroll-form',
        novalidate: true,
        onsubmit: (e: Event) => {
          e.preventDefault();
          errors.clear();
          const deviceName = name.value.trim();
          if (!deviceName) return errors.show('device_name', tb('required'));
          submit.disabled = true;
          request<Enrollment>('POST', '/api/v1/devices/enrollments', { store_id: store, device_name: deviceName }).then(
            (enrollment) => {
              if (!alive) return;
              submit.disabled = false;
              name.value = '';
              st.enrollment = enrollment;
              void showEnrollment(enrollment, slot, form);
            },
            (err: unknown) => {
              if (!alive) return;
              submit.disabled = false;
              const fieldName = err instanceof ApiError ? err.body.field : undefined;
              errors.show(fieldName === 'store_id' ? undefined : fieldName, errorText(err));
            },
          );
        },
      },
      h('h3', {}, tb('enroll_title')),
      h('p', { class: 'muted bo-hint' }, tb('enroll_hint')),
      h('div', { class: 'bo-inline' }, f.wrap, submit),
      general,
    );
    return form;
  }

  /** The code on show takes the place of the form that made it; "Done" brings the form back. */
  async function showEnrollment(enrollment: Enrollment, slot: HTMLElement, form: HTMLElement): Promise<void> {
    const qr = h('div', { class: 'bo-qr', 'data-testid': 'enroll-qr', role: 'img', 'aria-label': tb('code_qr_label') });
    const card = h(
      'div',
      { class: 'bo-card bo-enroll', 'data-testid': 'enroll-result' },
      h('p', { class: 'muted' }, tb('code_for', { name: enrollment.device_name })),
      h('div', { class: 'bo-code-big', 'data-testid': 'enroll-code' }, enrollment.code),
      qr,
      h('p', { class: 'bo-expiry', 'data-testid': 'enroll-expiry' }, tb('code_expires', { time: formatShort(enrollment.expires_at) })),
      h('p', { class: 'muted bo-hint' }, tb('code_scan_hint')),
      h(
        'button',
        {
          class: 'btn btn-secondary btn-block',
          type: 'button',
          'data-testid': 'enroll-done',
          onclick: () => {
            st.enrollment = null;
            slot.replaceChildren();
            form.hidden = false;
          },
        },
        tb('done'),
      ),
    );
    slot.replaceChildren(card);
    form.hidden = true;
    card.scrollIntoView({ block: 'nearest' });
    // The QR encoder is loaded when first needed (it is precached with the rest of the app).
    try {
      const mod = await import('qrcode');
      // qrcode is CommonJS: its functions are on the default export (and, depending on the
      // bundler's interop, also on the namespace).
      const QRCode = mod.default ?? mod;
      const svg = await QRCode.toString(`aisle-enroll:${enrollment.code}`, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      if (!alive || !card.isConnected) return;
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      const el = doc.documentElement;
      if (el.nodeName.toLowerCase() !== 'svg') throw new Error('QR encoder gave no SVG');
      el.setAttribute('aria-hidden', 'true');
      el.setAttribute('shape-rendering', 'crispEdges');
      qr.replaceChildren(document.importNode(el, true));
    } catch (e) {
      console.error('QR code', e);
      qr.hidden = true;
    }
  }

  // ================================================================ audit
  function auditTab(current: () => boolean): void {
    const store = st.store;
    const fl = st.filters;
    const actor = h('input', { value: fl.actor, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', 'data-testid': 'audit-actor' });
    const listId = 'bo-audit-actions';
    const action = h('input', {
      value: fl.action,
      list: listId,
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      placeholder: tb('audit_action_any'),
      'data-testid': 'audit-action',
    });
    const actions = h(
      'datalist',
      { id: listId },
      [...new Set([...knownActions, ...st.actionsSeen])].sort().map((a) => h('option', { value: a }, actionLabel(a))),
    );
    const from = h('input', { type: 'datetime-local', value: fl.from, 'data-testid': 'audit-from' });
    const to = h('input', { type: 'datetime-local', value: fl.to, 'data-testid': 'audit-to' });
    const limit = h('input', { type: 'number', inputmode: 'numeric', min: 1, max: 10000, value: fl.limit, 'data-testid': 'audit-limit' });
    const f = {
      actor: field('actor', tb('audit_actor'), actor),
      action: field('action', tb('audit_action'), action),
      from: field('from', tb('audit_from'), from),
      to: field('to', tb('audit_to'), to),
      limit: field('limit', tb('audit_limit'), limit),
    };
    const general = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'audit-error' });
    const errors = new FormErrors(
      { actor: f.actor.error, action: f.action.error, from: f.from.error, to: f.to.error, limit: f.limit.error },
      general,
    );
    const verifyBox = h('div', { class: 'bo-verify', 'data-testid': 'audit-verify-result', hidden: true, role: 'status' });
    const results = h('div', { class: 'bo-audit-results' });
    const searchBtn = h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'audit-search' }, tb('audit_search'));
    const exportBtn = h('button', { class: 'btn btn-secondary btn-sm', type: 'button', 'data-testid': 'audit-export' }, tb('audit_export'));
    const verifyBtn = h('button', { class: 'btn btn-secondary btn-sm', type: 'button', 'data-testid': 'audit-verify' }, tb('audit_verify'));

    /** The query of the filters, or null after showing what is wrong with them. */
    const query = (): string | null => {
      errors.clear();
      Object.assign(fl, { actor: actor.value.trim(), action: action.value.trim(), from: from.value, to: to.value, limit: limit.value.trim() });
      const n = Number(fl.limit || '200');
      if (!Number.isInteger(n) || n < 1 || n > 10000) {
        errors.show('limit', tb('err_limit'));
        return null;
      }
      // datetime-local has minutes; the server's `to` is exclusive, so "to 18:00" means up to 18:00:59.
      const fromIso = fl.from ? localInputToIso(fl.from) : '';
      const toIso = fl.to ? localInputToIso(fl.to, 60) : '';
      if (fromIso && toIso && fromIso >= toIso) {
        errors.show('to', tb('err_from_after_to'));
        return null;
      }
      const q = new URLSearchParams({ store });
      if (fl.actor) q.set('actor', fl.actor);
      if (fl.action) q.set('action', fl.action);
      if (fromIso) q.set('from', fromIso);
      if (toIso) q.set('to', toIso);
      q.set('limit', String(n));
      return q.toString();
    };

    const search = async () => {
      const q = query();
      if (q === null) return;
      searchBtn.disabled = true;
      results.replaceChildren(loadingEl());
      try {
        await loadRoles().catch(() => []); // role names for the rows; the list works without them
        const r = await request<{ entries: AuditEntry[] }>('GET', `/api/v1/audit?${q}`);
        if (!current()) return;
        for (const e of r.entries) st.actionsSeen.add(e.action);
        results.replaceChildren(auditList(r.entries));
      } catch (e) {
        if (!current()) return;
        const fieldName = e instanceof ApiError ? e.body.field : undefined;
        if (fieldName && fieldName in f) {
          results.replaceChildren();
          errors.show(fieldName, errorText(e));
        } else {
          results.replaceChildren(failure(e, () => void search()));
        }
      } finally {
        searchBtn.disabled = false;
      }
    };

    exportBtn.addEventListener('click', async () => {
      const q = query();
      if (q === null) return;
      exportBtn.disabled = true;
      try {
        const res = await requestRaw('GET', `/api/v1/audit?${q}&format=csv`);
        const text = await res.text();
        if (!current()) return;
        // A byte order mark, so that Excel reads the UTF-8 (Chinese names) as UTF-8.
        const blob = new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' });
        const file = `audit-${store}-${stamp()}.csv`;
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: file, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        window.setTimeout(() => URL.revokeObjectURL(url), 30_000);
        toast(tb('audit_exported', { file }));
      } catch (e) {
        if (current()) toast(errorText(e), 'error');
      } finally {
        exportBtn.disabled = false;
      }
    });

    verifyBtn.addEventListener('click', async () => {
      verifyBtn.disabled = true;
      verifyBox.hidden = true;
      try {
        const r = await request<{ chains: ChainReport[] }>('GET', `/api/v1/audit/verify?store=${enc(store)}`);
        if (!current()) return;
        const chains = r.chains;
        const intact = chains.every((c) => c.intact);
        verifyBox.dataset.intact = String(intact);
        verifyBox.className = `bo-verify ${intact ? 'is-intact' : 'is-broken'}`;
        verifyBox.replaceChildren(
          ...(chains.length === 0
            ? [h('p', {}, tb('chain_intact', { n: 0, anchored: 0 }))]
            : chains.map((c) =>
                h(
                  'p',
                  { 'data-store': c.store_id },
                  chains.length > 1 ? h('strong', {}, tb('chain_of', { store: c.store_id })) : null,
                  c.intact
                    ? tb('chain_intact', { n: c.entries, anchored: c.anchored_seq ?? 0 })
                    : tb('chain_broken', { seq: c.broken_seq ?? '?', problem: c.problem }),
                ),
              )),
        );
        verifyBox.hidden = false;
      } catch (e) {
        if (current()) toast(errorText(e), 'error');
      } finally {
        verifyBtn.disabled = false;
      }
    });

    const form = h(
      'form',
      {
        class: 'bo-card bo-filters',
        'data-testid': 'audit-filters',
        novalidate: true,
        onsubmit: (e: Event) => {
          e.preventDefault();
          void search();
        },
      },
      h(
        'div',
        { class: 'bo-filter-grid' },
        f.actor.wrap,
        f.action.wrap,
        f.from.wrap,
        f.to.wrap,
        f.limit.wrap,
        h('div', { class: 'bo-filter-search' }, searchBtn),
      ),
      actions,
      general,
      h('div', { class: 'bo-filter-actions' }, exportBtn, verifyBtn),
    );
    panel.replaceChildren(form, verifyBox, results);
    void search();
  }

  function auditList(entries: AuditEntry[]): HTMLElement {
    return h(
      'section',
      { class: 'bo-section' },
      h('p', { class: 'muted bo-count', 'data-testid': 'audit-count' }, entries.length ? tb('audit_count', { n: entries.length }) : tb('audit_none')),
      h(
        'ol',
        { class: 'bo-audit', 'data-testid': 'audit-list' },
        entries.map((e) => {
          const summary = summarizeChange(e.before, e.after);
          return h(
            'li',
            { class: 'bo-audit-row', 'data-testid': 'audit-row', 'data-action': e.action, 'data-seq': e.seq, 'data-object': e.object },
            h(
              'div',
              { class: 'bo-audit-top' },
              h('time', { datetime: e.time }, formatDateTime(e.time)),
              h('span', { class: 'bo-seq' }, `#${e.seq}`),
              e.approval
                ? h(
                    'span',
                    { class: 'bo-pill bo-pill-warn', 'data-testid': 'audit-approval', title: [e.approval.rule, e.approval.reason].filter(Boolean).join(' · ') },
                    e.approval.approver ? tb('audit_approved_by', { approver: e.approval.approver }) : tb('audit_approved'),
                  )
                : null,
            ),
            h(
              'div',
              { class: 'bo-audit-what' },
              h('strong', {}, actionLabel(e.action)),
              h('span', { class: 'bo-audit-code' }, e.action),
            ),
            e.object ? h('div', { class: 'bo-audit-obj mono' }, e.object) : null,
            h(
              'div',
              { class: 'bo-audit-who muted', title: e.device_id || null },
              [
                e.actor,
                e.role && e.role !== 'device' ? roleLabel(e.role) : '',
                e.device_id && e.actor !== `device:${e.device_id}` ? tb('audit_device', { id: shortId(e.device_id) }) : '',
              ]
                .filter(Boolean)
                .join(' · '),
            ),
            summary ? h('div', { class: 'bo-audit-after', 'data-testid': 'audit-after' }, summary) : null,
          );
        }),
      ),
    );
  }

  renderTab();
  return cleanup;
}
