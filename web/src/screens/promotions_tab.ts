// The back office's promotions page (docs/pricing.md; roles with `rules.publish`): the promotions of
// the chain's latest rules, a form per type to create or edit one (amounts in yuan, percentages in
// %), checked field by field by the pricing core itself (the same reader aisled and the terminals
// use) with a preview that prices a sample cart under the draft; disable and enable; import many
// from JSON or CSV with a progress bar and an error report per row. Every change publishes a new
// rules version (published versions never change), which reaches the terminals through the
// promotions feed. A disabled promotion is kept in the document's `disabled_promotions` (the
// engine reads only `promotions`), so it can be enabled again as it was.

import { ApiError, request } from '../api';
import { priceCart } from '../core';
import { productByBarcode } from '../db';
import { h, toast } from '../dom';
import { localName } from '../i18n';
import { tb, type BoKey } from '../i18n_backoffice';
import { formatMoney, minorToInput, parseMoneyInput } from '../money';
import type { RulesDocument } from '../rules';
import { session } from '../session';
import type { CartLine } from '../types';

type Promo = Record<string, unknown> & { id: string; type: string };

interface Published {
  version: string;
  rules: RulesDocument & { promotions?: Promo[]; disabled_promotions?: Promo[]; coupons?: Promo[]; disabled_coupons?: Promo[] };
}

export const promotionTypes = [
  'percent_off', 'amount_off', 'fixed_price', 'flash_sale', 'buy_x_get_y', 'bundle', 'mix_match',
  'member_tier', 'threshold_amount', 'threshold_percent', 'coupon_amount', 'coupon_percent', 'coupon_threshold',
] as const;

/** Where an entry of this type lives in the rules document: coupon templates apart from promotions. */
type Listing = 'promotions' | 'coupons';
const listingOf = (type: string): Listing => (type.startsWith('coupon_') ? 'coupons' : 'promotions');

/** The fields of the form, by the JSON key of the promotion they edit. */
const typeFields: Record<string, string[]> = {
  percent_off: ['percent_bp'],
  amount_off: ['amount'],
  fixed_price: ['price'],
  flash_sale: ['price'],
  buy_x_get_y: ['buy', 'get', 'get_percent_bp'],
  bundle: ['groups', 'price'],
  mix_match: ['count', 'price'],
  member_tier: ['tiers'],
  threshold_amount: ['tiers', 'repeat'],
  threshold_percent: ['tiers'],
  coupon_amount: ['amount', 'min_spend', 'single_use'],
  coupon_percent: ['percent_bp', 'min_spend', 'single_use'],
  coupon_threshold: ['tiers', 'single_use'],
};
const moneyKeys = new Set(['amount', 'price', 'min_spend']);
const percentKeys = new Set(['percent_bp', 'get_percent_bp']);
const intKeys = new Set(['buy', 'get', 'count', 'priority', 'max_applications', 'remaining_units', 'per_member']);

const csv = (v: unknown) => (Array.isArray(v) ? v.join(', ') : '');
const list = (text: string) => text.split(/[,，\s]+/).map((x) => x.trim()).filter(Boolean);

/** "2026-11-25T10:00:00Z" ↔ the datetime-local value in the device's time zone. */
function toLocalInput(iso: unknown): string {
  if (typeof iso !== 'string' || !iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The text of a tiers field: "300 = 30" lines (thresholds: yuan = yuan or %), "gold = 5" (member tiers: %). */
function tiersToText(p: Promo): string {
  if (p.type === 'member_tier') {
    return Object.entries((p.tiers as Record<string, number>) ?? {}).map(([tier, bp]) => `${tier} = ${minorToInput(bp)}`).join('\n');
  }
  const tiers = (p.tiers as { min: number; off?: number; percent_bp?: number }[]) ?? [];
  return tiers.map((t) => `${minorToInput(t.min)} = ${minorToInput(p.type === 'threshold_percent' ? t.percent_bp ?? 0 : t.off ?? 0)}`).join('\n');
}

/** Reads the form's text back; a line that does not read is reported as the field's error. */
function textToTiers(type: string, text: string): { value?: unknown; bad?: string } {
  const rows = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (type === 'member_tier') {
    const out: Record<string, number> = {};
    for (const row of rows) {
      const [tier, pct] = row.split('=').map((x) => x.trim());
      const bp = parseMoneyInput(pct ?? '');
      if (!tier || bp === null) return { bad: row };
      out[tier] = bp;
    }
    return { value: out };
  }
  const out: Record<string, number>[] = [];
  for (const row of rows) {
    const [a, b] = row.split('=').map((x) => parseMoneyInput((x ?? '').trim()));
    if (a === null || a === undefined || b === null || b === undefined) return { bad: row };
    out.push(type === 'threshold_percent' ? { min: a, percent_bp: b } : { min: a, off: b });
  }
  return { value: out };
}

/** Checks a rules document with the core (the reader aisled and the terminals use): null when good. */
export function checkRules(rules: unknown): { code: string; message: string; field?: string } | null {
  const r = priceCart('CNY', [], rules as RulesDocument, { now: new Date(), storeId: session()?.store.store_id ?? '' });
  return r.ok ? null : r.error;
}

/** The next version name: "2026-11-26.1", or .n+1 when today's already exists. */
export function nextVersion(latest: string, today = new Date()): string {
  const day = today.toISOString().slice(0, 10);
  const m = new RegExp(`^${day}\\.(\\d+)$`).exec(latest);
  return `${day}.${m ? Number(m[1]) + 1 : 1}`;
}

/** Publishes `doc` under the next free version (one retry when someone published the same name). */
async function publish(doc: Published['rules'], latest: string): Promise<string> {
  let version = nextVersion(latest);
  for (let attempt = 0; ; attempt++) {
    try {
      await request('POST', '/api/v1/pricing/rules', { ...doc, version });
      return version;
    } catch (e) {
      if (attempt > 0 || !(e instanceof ApiError) || e.code !== 'rules_version_conflict') throw e;
      version = nextVersion(version);
    }
  }
}

// ---- CSV import

/** RFC 4180: quoted fields, doubled quotes, commas and newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ''));
}

/**
 * A CSV row as a promotion. Columns are the JSON fields (docs/pricing.md), amounts in fen and
 * percentages in basis points as in JSON; lists (stores, scope_skus, …) separated by "|"; `groups`
 * and `tiers` as JSON; name_zh / name_en; true/false for flags.
 */
export function csvRowToPromotion(header: string[], cells: string[]): Promo {
  const p: Record<string, unknown> = {};
  const scope: Record<string, unknown> = {};
  const exclude: Record<string, unknown> = {};
  const name: Record<string, string> = {};
  header.forEach((key, i) => {
    const v = (cells[i] ?? '').trim();
    if (v === '') return;
    const pipe = () => v.split('|').map((x) => x.trim()).filter(Boolean);
    if (key === 'name_zh' || key === 'name_en') name[key.slice(5)] = v;
    else if (key === 'scope_all') scope.all = v === 'true';
    else if (key.startsWith('scope_')) scope[key.slice(6)] = pipe();
    else if (key.startsWith('exclude_')) exclude[key.slice(8)] = pipe();
    else if (key === 'stores') p.stores = pipe();
    else if (key === 'groups' || key === 'tiers') {
      try {
        p[key] = JSON.parse(v);
      } catch {
        p[key] = v;  // the core names the field
      }
    } else if (['member_only', 'no_threshold', 'repeat'].includes(key)) p[key] = v === 'true';
    else if (/^-?\d+$/.test(v) && key !== 'id') p[key] = Number(v);
    else p[key] = v;
  });
  if (Object.keys(name).length) p.name = name;
  if (Object.keys(scope).length) p.scope = scope;
  if (Object.keys(exclude).length) p.exclude = exclude;
  return p as Promo;
}

export interface ImportRow {
  row: number;
  id: string;
  promotion: Promo | null;
  error: { field: string; message: string } | null;
}

/** Reads a JSON array (or {"promotions": [...]}) or a CSV file into rows, each checked by the core. */
export async function checkImport(text: string, isJson: boolean, progress: (done: number, total: number) => void): Promise<ImportRow[]> {
  let items: unknown[];
  if (isJson) {
    const parsed: unknown = JSON.parse(text);
    items = Array.isArray(parsed) ? parsed : Array.isArray((parsed as { promotions?: unknown[] }).promotions) ? (parsed as { promotions: unknown[] }).promotions : [];
  } else {
    const rows = parseCsv(text.replace(/^\uFEFF/, ''));
    const header = (rows.shift() ?? []).map((x) => x.trim());
    items = rows.map((r) => csvRowToPromotion(header, r));
  }
  const out: ImportRow[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Promo;
    const id = typeof item?.id === 'string' ? item.id : '';
    let error: ImportRow['error'] = null;
    if (id && seen.has(id)) error = { field: 'id', message: tb('promo_duplicate_id') };
    else {
      const bad = checkRules({ version: 'import-check', promotions: [item] });
      if (bad) error = { field: (bad.field ?? '').replace(/^rules\.promotions\[0\]\.?/, ''), message: bad.message.replace(/^rules\.promotions\[0\]\.?[\w.[\]]*: /, '') };
    }
    seen.add(id);
    out.push({ row: i + 1, id, promotion: error ? null : item, error });
    if (i % 25 === 24 || i === items.length - 1) {
      progress(i + 1, items.length);
      await new Promise((r) => setTimeout(r, 0));  // let the progress bar paint
    }
  }
  return out;
}

// ---- the page

export function promotionsTab(panel: HTMLElement, alive: () => boolean, errorText: (e: unknown) => string): void {
  const currency = session()?.store.currency || 'CNY';
  let published: Published | null = null;

  const load = async (): Promise<void> => {
    panel.replaceChildren(h('p', { class: 'muted' }, tb('loading')));
    try {
      published = await request<Published>('GET', '/api/v1/pricing/rules');
    } catch (e) {
      if (alive()) panel.replaceChildren(h('p', { class: 'form-error' }, errorText(e)));
      return;
    }
    if (alive()) showList();
  };

  const save = async (doc: Published['rules'], done: string): Promise<void> => {
    if (!published) return;
    try {
      const version = await publish(doc, published.version);
      toast(tb(done as BoKey, { version }));
      await load();
    } catch (e) {
      toast(errorText(e), 'error');
    }
  };

  const showList = () => {
    if (!published) return;
    const doc = published.rules;
    const row = (p: Promo, on: boolean) => {
      const name = p.name as { zh?: string; en?: string } | undefined;
      const when = [p.start, p.end].map((x) => (typeof x === 'string' ? x.slice(0, 10) : '…')).join(' → ');
      const move = () => {
        const list = listingOf(p.type);
        const off = `disabled_${list}` as const;
        const active = doc[list] ?? [];
        const disabled = doc[off] ?? [];
        const next = { ...doc, [list]: on ? active.filter((x) => x.id !== p.id) : [...active, p], [off]: on ? [...disabled, p] : disabled.filter((x) => x.id !== p.id) };
        void save(next, on ? 'promo_disabled_done' : 'promo_enabled_done');
      };
      return h(
        'li',
        { class: `bo-row${on ? '' : ' is-off'}`, 'data-testid': 'promo-row', 'data-id': p.id },
        h('div', { class: 'bo-row-main' },
          h('div', { class: 'bo-row-title' }, h('strong', { class: 'bo-name' }, (name ? localName({ name_zh: name.zh ?? '', name_en: name.en ?? '' }) : '') || p.id), h('span', { class: 'muted' }, p.id)),
          h('div', { class: 'bo-row-sub' }, `${tb(`promo_type_${p.type}` as BoKey)} · ${String(p.stacking ?? 'stackable')} · ${when}`)),
        h('span', { class: `bo-pill bo-pill-${on ? 'ok' : 'off'}` }, tb(on ? 'promo_on' : 'promo_off')),
        h('div', { class: 'bo-row-actions' },
          on ? h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'promo-edit', onclick: () => showForm(p) }, tb('promo_edit')) : null,
          h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': on ? 'promo-disable' : 'promo-enable', onclick: move }, tb(on ? 'promo_disable' : 'promo_enable'))),
      );
    };
    const newType = h('select', { 'data-testid': 'promo-new-type' }, promotionTypes.map((t) => h('option', { value: t }, tb(`promo_type_${t}` as BoKey))));
    panel.replaceChildren(
      h('div', { class: 'bo-card' },
        h('h3', {}, tb('promo_title', { version: published.version })),
        h('p', { class: 'muted' }, tb('promo_hint')),
        h('div', { class: 'bo-form-actions' }, newType,
          h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'promo-new', onclick: () => showForm({ id: '', type: newType.value }) }, tb('promo_new')),
          h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'promo-import', onclick: showImport }, tb('promo_import')))),
      h('ul', { class: 'bo-list', 'data-testid': 'promo-list' }, [
        ...(doc.promotions ?? []).map((p) => row(p, true)),
        ...(doc.disabled_promotions ?? []).map((p) => row(p, false)),
        ...(doc.coupons ?? []).map((p) => row(p, true)),
        ...(doc.disabled_coupons ?? []).map((p) => row(p, false)),
      ]),
      couponCard(doc.coupons ?? []),
    );
  };

  // Single-use codes for a coupon template of the rules: generated by the server, listed, downloaded as CSV.
  const couponCard = (templates: Promo[]) => {
    const template = h('select', { 'data-testid': 'coupon-template' }, templates.map((c) => {
      const name = c.name as { zh?: string; en?: string } | undefined;
      return h('option', { value: c.id }, `${(name ? localName({ name_zh: name.zh ?? '', name_en: name.en ?? '' }) : '') || c.id} (${c.id})`);
    }));
    const count = h('input', { inputmode: 'numeric', value: '100', 'data-testid': 'coupon-count' });
    const member = h('input', { autocomplete: 'off', 'data-testid': 'coupon-member', placeholder: 'M000001' });
    const out = h('div', { 'data-testid': 'coupon-result' });
    const generate = h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'coupon-generate', disabled: templates.length === 0 }, tb('coupon_generate'));
    generate.addEventListener('click', () => {
      generate.disabled = true;
      void (async () => {
        try {
          const r = await request<{ batch_id: string; coupon_id: string; count: number; codes: string[] }>('POST', '/api/v1/coupons/batches', {
            coupon_id: template.value,
            count: Number(count.value.trim()),
            ...(member.value.trim() ? { member_id: member.value.trim() } : {}),
          });
          const csvText = `\uFEFFcode,coupon_id,batch_id\n${r.codes.map((c) => `${c},${r.coupon_id},${r.batch_id}`).join('\n')}\n`;
          const link = h('a', { class: 'btn btn-secondary', 'data-testid': 'coupon-download', download: `coupons-${r.coupon_id}-${r.batch_id}.csv`, href: URL.createObjectURL(new Blob([csvText], { type: 'text/csv' })) }, tb('coupon_download'));
          out.replaceChildren(
            h('p', { 'data-testid': 'coupon-summary' }, tb('coupon_done', { n: r.count, batch: r.batch_id })),
            h('ul', { class: 'bo-list mono' }, r.codes.slice(0, 5).map((c) => h('li', { 'data-testid': 'coupon-code' }, c))),
            link,
          );
        } catch (e) {
          out.replaceChildren(h('p', { class: 'form-error', 'data-testid': 'coupon-error' }, errorText(e)));
        } finally {
          generate.disabled = false;
        }
      })();
    });
    return h('div', { class: 'bo-card bo-form', 'data-testid': 'coupon-card' },
      h('h3', {}, tb('coupon_title')),
      h('p', { class: 'muted' }, templates.length ? tb('coupon_hint') : tb('coupon_none')),
      h('label', { class: 'field' }, h('span', { class: 'bo-label' }, tb('coupon_template')), template),
      h('label', { class: 'field' }, h('span', { class: 'bo-label' }, tb('coupon_count')), count),
      h('label', { class: 'field' }, h('span', { class: 'bo-label' }, tb('coupon_member')), member),
      generate,
      out);
  };

  const showForm = (original: Promo) => {
    if (!published) return;
    const doc = published.rules;
    const isNew = original.id === '';
    const inputs: Record<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement> = {};
    const errors: Record<string, HTMLElement> = {};
    const general = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'promo-form-error', hidden: true });
    const fieldOf = (key: string, label: BoKey, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string) => {
      control.setAttribute('data-testid', `promo-field-${key}`);
      inputs[key] = control;
      errors[key] = h('p', { class: 'form-error', role: 'alert', 'data-testid': `promo-error-${key}`, hidden: true });
      return h('label', { class: 'field', 'data-field': key }, h('span', { class: 'bo-label' }, tb(label)), control, hint ? h('span', { class: 'muted' }, hint) : null, errors[key]!);
    };
    const text = (value: string) => h('input', { value });
    const check = (on: boolean) => h('input', { type: 'checkbox', ...(on ? { checked: true } : {}) });
    const name = (original.name as { zh?: string; en?: string } | undefined) ?? {};
    const scope = (original.scope as Record<string, unknown> | undefined) ?? {};
    const exclude = (original.exclude as Record<string, unknown> | undefined) ?? {};
    const stacking = typeof original.stacking === 'string' ? original.stacking : 'stackable';
    const moneyText = (v: unknown) => (typeof v === 'number' ? minorToInput(v) : '');
    const specific = (typeFields[original.type] ?? []).map((key) => {
      if (key === 'groups') {
        const groups = (original.groups as { skus?: string[] }[] | undefined) ?? [];
        return fieldOf(key, 'promo_f_groups', h('textarea', { rows: 3 }, groups.map((g) => csv(g.skus)).join('\n')));
      }
      if (key === 'tiers') return fieldOf(key, original.type === 'member_tier' ? 'promo_f_member_tiers' : original.type === 'threshold_percent' ? 'promo_f_tiers_percent' : 'promo_f_tiers_amount', h('textarea', { rows: 3 }, tiersToText(original)));  // coupon_threshold: as threshold_amount
      if (key === 'repeat') return fieldOf(key, 'promo_f_repeat', check(original.repeat === true));
      if (key === 'single_use') return fieldOf(key, 'promo_f_single_use', check(original.single_use !== false));
      if (moneyKeys.has(key)) return fieldOf(key, `promo_f_${key}` as BoKey, h('input', { inputmode: 'decimal', value: moneyText(original[key]) }), currency);
      if (percentKeys.has(key)) return fieldOf(key, `promo_f_${key}` as BoKey, h('input', { inputmode: 'decimal', value: moneyText(original[key]) }), '%');
      return fieldOf(key, `promo_f_${key}` as BoKey, h('input', { inputmode: 'numeric', value: original[key] === undefined ? '' : String(original[key]) }));
    });
    const stackingSelect = h('select', {}, ['stackable', 'exclusive', 'group'].map((m) => h('option', { value: m, ...(stacking.startsWith(m) ? { selected: true } : {}) }, tb(`promo_stacking_${m}` as BoKey))));
    const previewCart = h('textarea', { rows: 3, 'data-testid': 'promo-preview-cart', placeholder: '6956759001369 × 2' });
    const previewTier = h('select', { 'data-testid': 'promo-preview-tier' }, ['', 'silver', 'gold', 'platinum'].map((t) => h('option', { value: t }, t || tb('promo_preview_no_member'))));
    const previewOut = h('div', { class: 'bo-preview', 'data-testid': 'promo-preview' });

    /** The form as a promotion, or the field whose text does not read. */
    const read = (): { promo?: Promo; field?: string } => {
      const p: Promo = { id: inputs.id!.value.trim(), type: original.type };
      const zh = inputs.name_zh!.value.trim();
      const en = inputs.name_en!.value.trim();
      if (zh || en) p.name = { zh, en };
      const start = fromLocalInput(inputs.start!.value);
      const end = fromLocalInput(inputs.end!.value);
      if (start) p.start = start;
      if (end) p.end = end;
      const stores = list(inputs.stores!.value);
      if (stores.length) p.stores = stores;
      if ((inputs.member_only as HTMLInputElement).checked) p.member_only = true;
      if (original.type !== 'bundle') {
        const sc: Record<string, unknown> = (inputs.scope_all as HTMLInputElement).checked ? { all: true } : {};
        for (const k of ['skus', 'categories', 'brands']) if (list(inputs[`scope_${k}`]!.value).length) sc[k] = list(inputs[`scope_${k}`]!.value);
        p.scope = sc;
      }
      const ex: Record<string, unknown> = {};
      for (const k of ['skus', 'categories', 'brands']) if (list(inputs[`exclude_${k}`]!.value).length) ex[k] = list(inputs[`exclude_${k}`]!.value);
      if (Object.keys(ex).length) p.exclude = ex;
      p.stacking = stackingSelect.value === 'group' ? `group:${inputs.group!.value.trim()}` : stackingSelect.value;
      for (const key of ['priority', 'max_applications', 'remaining_units', 'per_member', ...(typeFields[original.type] ?? [])]) {
        const el = inputs[key];
        if (!el) continue;
        const v = el.value.trim();
        if (key === 'single_use') {
          p.single_use = (el as HTMLInputElement).checked;
        } else if (key === 'repeat') {
          if ((el as HTMLInputElement).checked) p.repeat = true;
        } else if (key === 'groups') {
          p.groups = v.split('\n').map(list).filter((g) => g.length).map((skus) => ({ skus }));
        } else if (key === 'tiers') {
          const r = textToTiers(original.type, v);
          if (r.bad !== undefined) return { field: key };
          p.tiers = r.value;
        } else if (v === '') {
          continue;
        } else if (moneyKeys.has(key) || percentKeys.has(key)) {
          const n = parseMoneyInput(v);
          if (n === null) return { field: key };
          p[key] = n;
        } else if (intKeys.has(key)) {
          if (!/^-?\d+$/.test(v)) return { field: key };
          p[key] = Number(v);
        }
      }
      if ((inputs.no_threshold as HTMLInputElement).checked) p.no_threshold = true;
      return { promo: p };
    };
    const listing = listingOf(original.type);
    const draftWith = (p: Promo) => {
      const entries = doc[listing] ?? [];
      const rest = entries.filter((x) => x.id !== original.id);
      return { ...doc, [listing]: isNew ? [...rest, p] : entries.map((x) => (x.id === original.id ? p : x)) };
    };
    const showError = (field: string | undefined, message: string) => {
      for (const el of [...Object.values(errors), general]) el.hidden = true;
      const key = field && errors[field] ? field : field?.startsWith('scope') ? 'scope_skus' : field?.startsWith('exclude') ? 'exclude_skus' : '';
      const el = (key && errors[key]) || general;
      el.textContent = message;
      el.hidden = false;
      if (el !== general) inputs[key]?.focus();
    };
    /** The draft, checked by the core: the promotion, or null after showing the error next to its field. */
    const validated = (): { promo: Promo; draft: Published['rules'] } | null => {
      const r = read();
      if (!r.promo) {
        showError(r.field, tb('promo_unreadable'));
        return null;
      }
      const promo = r.promo;
      if (!promo.id) {
        showError('id', tb('required'));
        return null;
      }
      const everyId = [doc.promotions, doc.disabled_promotions, doc.coupons, doc.disabled_coupons].flatMap((l) => l ?? []);
      if (isNew && everyId.some((x) => x.id === promo.id)) {
        showError('id', tb('promo_duplicate_id'));
        return null;
      }
      const draft = draftWith(promo);
      const bad = checkRules(draft);
      if (bad) {
        const index = (draft[listing] ?? []).findIndex((x) => x.id === promo.id);
        const prefix = `rules.${listing}[${index}]`;
        const field = (bad.field ?? '').startsWith(prefix) ? (bad.field ?? '').slice(prefix.length + 1).replace(/[.[].*$/, '') : '';
        showError(field || undefined, bad.message.replace(/^[\w.[\]]+: /, ''));
        return null;
      }
      for (const el of [...Object.values(errors), general]) el.hidden = true;
      return { promo, draft };
    };
    const preview = async () => {
      const v = validated();
      if (!v) return;
      const lines: CartLine[] = [];
      for (const row of previewCart.value.split('\n').map((l) => l.trim()).filter(Boolean)) {
        const [barcode, qty] = row.split(/\s*[×x*]\s*/);
        const product = await productByBarcode((barcode ?? '').trim());
        if (!product) {
          previewOut.replaceChildren(h('p', { class: 'form-error' }, tb('promo_preview_unknown', { barcode: barcode ?? '' })));
          return;
        }
        lines.push({ barcode: product.barcode, qty: Number(qty) || 1, product });
      }
      // A coupon is previewed as if the customer presented a code for it.
      const coupons = listing === 'coupons' ? [{ code: `${v.promo.id}-PREVIEW`, coupon_id: v.promo.id }] : [];
      const r = priceCart(currency, lines, v.draft, {
        now: new Date(),
        storeId: session()?.store.store_id ?? '',
        ...(previewTier.value ? { memberTier: previewTier.value } : {}),
        ...(coupons.length ? { coupons } : {}),
      });
      if (!r.ok) {
        previewOut.replaceChildren(h('p', { class: 'form-error' }, r.error.message));
        return;
      }
      const c = r.value;
      previewOut.replaceChildren(
        h('ul', { class: 'bo-list' }, (c.adjustments ?? []).map((a) => h('li', { 'data-testid': 'promo-preview-adjustment', 'data-id': a.id }, `${a.name ? localName({ name_zh: a.name.zh, name_en: a.name.en }) : a.id} −${formatMoney(a.discount, currency)}`))),
        h('p', {}, h('strong', { 'data-testid': 'promo-preview-total' }, `${tb('promo_preview_total')} ${formatMoney(c.amount_due ?? c.total, currency)}`), ` (${tb('promo_preview_saved')} ${formatMoney(c.discount ?? 0, currency)})`),
      );
    };
    const submit = (ev: Event) => {
      ev.preventDefault();
      const v = validated();
      if (v) void save(v.draft, 'promo_published');
    };

    const form = h('form', { class: 'bo-form bo-card', novalidate: true, 'data-testid': 'promo-form', onsubmit: submit },
      h('h3', {}, `${tb(isNew ? 'promo_new' : 'promo_edit')} · ${tb(`promo_type_${original.type}` as BoKey)}`),
      fieldOf('id', 'promo_f_id', Object.assign(text(original.id), isNew ? {} : { readOnly: true })),
      fieldOf('name_zh', 'promo_f_name_zh', text(name.zh ?? '')),
      fieldOf('name_en', 'promo_f_name_en', text(name.en ?? '')),
      ...specific,
      original.type === 'bundle' ? null : fieldOf('scope_all', 'promo_f_scope_all', check(scope.all === true)),
      original.type === 'bundle' ? null : fieldOf('scope_skus', 'promo_f_scope_skus', text(csv(scope.skus))),
      original.type === 'bundle' ? null : fieldOf('scope_categories', 'promo_f_scope_categories', text(csv(scope.categories))),
      original.type === 'bundle' ? null : fieldOf('scope_brands', 'promo_f_scope_brands', text(csv(scope.brands))),
      fieldOf('exclude_skus', 'promo_f_exclude_skus', text(csv(exclude.skus))),
      fieldOf('exclude_categories', 'promo_f_exclude_categories', text(csv(exclude.categories))),
      fieldOf('exclude_brands', 'promo_f_exclude_brands', text(csv(exclude.brands))),
      fieldOf('start', 'promo_f_start', h('input', { type: 'datetime-local', value: toLocalInput(original.start) })),
      fieldOf('end', 'promo_f_end', h('input', { type: 'datetime-local', value: toLocalInput(original.end) })),
      fieldOf('stores', 'promo_f_stores', text(csv(original.stores))),
      fieldOf('member_only', 'promo_f_member_only', check(original.member_only === true)),
      fieldOf('stacking', 'promo_f_stacking', stackingSelect),
      fieldOf('group', 'promo_f_group', text(stacking.startsWith('group:') ? stacking.slice(6) : '')),
      fieldOf('priority', 'promo_f_priority', h('input', { inputmode: 'numeric', value: original.priority === undefined ? '' : String(original.priority) })),
      fieldOf('max_applications', 'promo_f_max_applications', h('input', { inputmode: 'numeric', value: original.max_applications === undefined ? '' : String(original.max_applications) })),
      fieldOf('remaining_units', 'promo_f_remaining_units', h('input', { inputmode: 'numeric', value: original.remaining_units === undefined ? '' : String(original.remaining_units) })),
      fieldOf('per_member', 'promo_f_per_member', h('input', { inputmode: 'numeric', value: original.per_member === undefined ? '' : String(original.per_member) })),
      fieldOf('no_threshold', 'promo_f_no_threshold', check(original.no_threshold === true)),
      h('div', { class: 'bo-card' }, h('h3', {}, tb('promo_preview')),
        h('label', { class: 'field' }, h('span', { class: 'bo-label' }, tb('promo_preview_cart')), previewCart),
        h('label', { class: 'field' }, h('span', { class: 'bo-label' }, tb('promo_preview_member')), previewTier),
        h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'promo-preview-button', onclick: () => void preview() }, tb('promo_preview_button')),
        previewOut),
      general,
      h('div', { class: 'bo-form-actions' },
        h('button', { class: 'btn btn-secondary', type: 'button', onclick: showList }, tb('cancel')),
        h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'promo-publish' }, tb('promo_publish'))),
    );
    panel.replaceChildren(form);
    panel.scrollTop = 0;
  };

  const showImport = () => {
    if (!published) return;
    const doc = published.rules;
    const file = h('input', { type: 'file', accept: '.json,.csv,application/json,text/csv', 'data-testid': 'promo-import-file' });
    const bar = h('progress', { max: 1, value: 0, 'data-testid': 'promo-import-progress', hidden: true });
    const status = h('p', { class: 'muted', 'data-testid': 'promo-import-status' });
    const report = h('div', { 'data-testid': 'promo-import-report' });
    const go = h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'promo-import-publish', disabled: true }, tb('promo_import_publish', { n: 0 }));
    let good: Promo[] = [];
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      if (!f) return;
      void (async () => {
        bar.hidden = false;
        go.disabled = true;
        report.replaceChildren();
        let rows: ImportRow[];
        try {
          rows = await checkImport(await f.text(), f.name.toLowerCase().endsWith('.json'), (done, total) => {
            bar.max = total;
            bar.value = done;
            status.textContent = tb('promo_import_checking', { done, total });
          });
        } catch (e) {
          status.textContent = tb('promo_import_unreadable', { message: e instanceof Error ? e.message : String(e) });
          return;
        }
        good = rows.flatMap((r) => (r.promotion ? [r.promotion] : []));
        const bad = rows.filter((r) => r.error);
        status.textContent = tb('promo_import_result', { good: good.length, bad: bad.length });
        report.replaceChildren(
          bad.length === 0 ? h('span', {}) : h('table', { class: 'bo-table' },
            h('thead', {}, h('tr', {}, h('th', {}, tb('promo_import_row')), h('th', {}, 'id'), h('th', {}, tb('promo_import_field')), h('th', {}, tb('promo_import_problem')))),
            h('tbody', {}, bad.map((r) => h('tr', { 'data-testid': 'promo-import-error', 'data-row': r.row }, h('td', {}, String(r.row)), h('td', {}, r.id), h('td', {}, r.error?.field ?? ''), h('td', {}, r.error?.message ?? ''))))),
        );
        go.textContent = tb('promo_import_publish', { n: good.length });
        go.disabled = good.length === 0;
      })();
    });
    go.addEventListener('click', () => {
      const ids = new Set(good.map((p) => p.id));
      const promotions = [...(doc.promotions ?? []).filter((p) => !ids.has(p.id)), ...good];
      const draft = { ...doc, promotions, disabled_promotions: (doc.disabled_promotions ?? []).filter((p) => !ids.has(p.id)) };
      const bad = checkRules(draft);
      if (bad) return toast(bad.message, 'error');
      go.disabled = true;
      void save(draft, 'promo_published');
    });
    panel.replaceChildren(
      h('div', { class: 'bo-card bo-form', 'data-testid': 'promo-import-card' },
        h('h3', {}, tb('promo_import')),
        h('p', { class: 'muted' }, tb('promo_import_hint')),
        file, bar, status, report,
        h('div', { class: 'bo-form-actions' }, h('button', { class: 'btn btn-secondary', type: 'button', onclick: showList }, tb('cancel')), go)),
    );
  };

  void load();
}
