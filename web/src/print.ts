// Printing in the terminal (docs/printing.md): the print documents of the X and Z reports and of a
// sale's receipt, built here with the screen's labels and money formatting, turned into ESC/POS
// bytes by core.wasm (escposEncode) and sent to the printer chosen in the menu. The Print button
// shows what happens: printing…, printed, or why not.

import { ApiError, NetworkError, listPrinters } from './api';
import { escposEncode, type DrawerReport, type PrintEncoding, type PrintLine } from './core';
import { h, svgIcon } from './dom';
import { formatDateTime, localName, t, tenderName } from './i18n';
import { formatGrams, formatMoney } from './money';
import {
  browserTransports,
  pickBluetoothPrinter,
  pickSerialPrinter,
  printerChoice,
  sendToPrinter,
  setPrinterChoice,
  type PrinterChoice,
} from './printer_link';
import { promotionName } from './promotions';
import type { SaleRecord } from './types';

const header = (store: string, title: string): PrintLine[] => [
  { type: 'text', text: store, align: 'center', bold: true, double: true },
  { type: 'text', text: title, align: 'center', bold: true },
  { type: 'rule' },
];
const ending: PrintLine[] = [{ type: 'feed', lines: 3 }, { type: 'cut' }];

/** The lines of an X or Z report: who and when, the counts, then per tender expected (and counted, variance). */
export function drawerReportLines(
  r: DrawerReport,
  meta: { title: string; store: string; staff: string; opened?: string; at: Date },
): PrintLine[] {
  const money = (n: number) => formatMoney(n, r.currency);
  const lines: PrintLine[] = [
    ...header(meta.store, meta.title),
    ...(meta.opened ? [{ type: 'row' as const, left: t('print_opened'), right: meta.opened }] : []),
    { type: 'row', left: t('print_printed_at'), right: formatDateTime(meta.at.toISOString()) },
    { type: 'row', left: t('cashier'), right: meta.staff },
    { type: 'rule' },
    { type: 'row', left: t('drawer_float'), right: money(r.float) },
    { type: 'row', left: t('drawer_sales'), right: String(r.sales) },
    { type: 'row', left: t('drawer_pay_ins'), right: String(r.pay_ins) },
    { type: 'row', left: t('drawer_paid_outs'), right: String(r.paid_outs) },
    { type: 'row', left: t('drawer_no_sales'), right: String(r.no_sales) },
    { type: 'rule' },
  ];
  if (r.report === 'X') {
    lines.push({ type: 'row', left: t('tender'), right: t('expected'), bold: true });
    for (const line of r.tenders) lines.push({ type: 'row', left: tenderName(line.tender), right: money(line.expected) });
  } else {
    for (const line of r.tenders) {
      lines.push(
        { type: 'text', text: tenderName(line.tender), bold: true },
        { type: 'row', left: `  ${t('expected')}`, right: money(line.expected) },
        { type: 'row', left: `  ${t('counted')}`, right: money(line.counted ?? 0) },
        { type: 'row', left: `  ${t('variance')}`, right: money(line.variance ?? 0) },
      );
    }
    lines.push({ type: 'rule', char: '=' }, { type: 'row', left: t('print_total_variance'), right: money(r.variance ?? 0), bold: true });
  }
  return [...lines, ...ending];
}

/** The lines of a sale's receipt, as the receipt screen shows it. */
export function receiptLines(sale: SaleRecord): PrintLine[] {
  const m = (v: number) => formatMoney(v, sale.priced.currency);
  const lines: PrintLine[] = [
    ...header(localName(sale.store) || sale.store.store_id, sale.store.store_id),
    { type: 'row', left: t('date'), right: formatDateTime(sale.device_time) },
    { type: 'row', left: t('cashier'), right: `${sale.staff.name} (${sale.staff.staff_code})` },
    { type: 'rule' },
  ];
  for (const l of sale.priced.lines) {
    const qty = l.sold_by === 'weight' ? `${formatGrams(l.qty)} × ${m(l.unit_price)}${t('per_kg')}` : `${l.qty} × ${m(l.unit_price)}`;
    lines.push({ type: 'row', left: localName(sale.names[l.barcode] ?? {}) || l.barcode, right: m(l.gross) }, { type: 'text', text: `  ${qty}` });
    for (const p of l.promotions ?? []) {
      if (p.discount > 0) lines.push({ type: 'row', left: `  ${promotionName(sale.priced, p.id)}`, right: `−${m(p.discount)}` });
    }
  }
  lines.push({ type: 'rule' });
  if (sale.priced.discount) lines.push({ type: 'row', left: t('savings'), right: `−${m(sale.priced.discount)}` });
  lines.push(
    { type: 'row', left: t('subtotal'), right: m(sale.priced.net) },
    { type: 'row', left: t('tax'), right: m(sale.priced.tax) },
    { type: 'row', left: t('total_incl_tax'), right: m(sale.priced.amount_due ?? sale.priced.total), bold: true },
    { type: 'row', left: t('tendered'), right: m(sale.tendered) },
    { type: 'row', left: t('change'), right: m(sale.change) },
  );
  const points = sale.priced.points;
  if (sale.member) lines.push({ type: 'row', left: t('receipt_member'), right: `${sale.member.name} (${sale.member.member_id})` });
  if (points?.redeemed_points) lines.push({ type: 'row', left: t('receipt_points_redeemed'), right: `${points.redeemed_points} (−${m(points.redeemed_value)})` });
  if (points?.earned) lines.push({ type: 'row', left: t('receipt_points_earned'), right: String(points.earned) });
  lines.push(
    { type: 'rule' },
    // Scanned at a return (menu → Return), in any store of the chain.
    { type: 'qr', data: sale.sale_id, size: 5 },
    { type: 'text', text: `${t('sale_id')} ${sale.sale_id}`, align: 'center' },
    ...ending,
  );
  return lines;
}

function choiceName(choice: PrinterChoice): string {
  return choice.kind === 'none' ? t('printer_none') : choice.name;
}

function printError(e: unknown, choice: PrinterChoice): string {
  const name = choiceName(choice);
  if (e instanceof ApiError) {
    if (e.code === 'printer_unreachable') return t('print_unreachable', { name });
    if (e.code === 'printer_not_found' || e.code === 'printer_other_store') return t('print_gone', { name });
    return t('print_failed', { message: e.message });
  }
  if (e instanceof NetworkError) return t('print_offline');
  return t('print_failed', { message: e instanceof Error ? e.message : String(e) });
}

/** A Print button and its status line; `lines` builds the document when pressed. */
export function printButton(testid: string, lines: () => PrintLine[]): HTMLElement {
  const status = h('p', { class: 'print-status muted', role: 'status', 'aria-live': 'polite', 'data-testid': `${testid}-status`, hidden: true });
  const show = (state: 'printing' | 'printed' | 'error', text: string) => {
    status.hidden = false;
    status.dataset.state = state;
    status.className = `print-status ${state === 'error' ? 'form-error' : 'muted'}`;
    status.textContent = text;
  };
  const button = h('button', { class: 'btn btn-secondary btn-print', type: 'button', 'data-testid': testid }, printerIcon(), t('print'));
  button.addEventListener('click', () => {
    const choice = printerChoice();
    if (choice.kind === 'none') {
      show('error', t('print_choose'));
      showPrinterSettings();
      return;
    }
    const bytes = escposEncode({ columns: choice.columns, encoding: choice.encoding, lines: lines() });
    if (!bytes.ok) {
      show('error', t('print_failed', { message: bytes.error.message }));
      return;
    }
    show('printing', t('printing', { name: choice.name }));
    button.disabled = true;
    sendToPrinter(choice, bytes.value)
      .then(() => show('printed', t('printed', { name: choice.name })))
      .catch((e: unknown) => show('error', printError(e, choice)))
      .finally(() => (button.disabled = false));
  });
  return h('div', { class: 'print-bar' }, button, status);
}

/** The printer setting (menu → Printer): none, a store network printer, or a portable one. */
export function showPrinterSettings(): void {
  const chosen = printerChoice();
  const current = h('p', { class: 'muted', 'data-testid': 'printer-current' }, t('printer_current', { name: choiceName(chosen) }));
  const choose = (choice: PrinterChoice) => {
    setPrinterChoice(choice);
    dialog.close();
  };
  const option = (label: string, testid: string, fn: () => void, extra: Record<string, string | boolean> = {}) =>
    h('button', { class: 'btn btn-secondary btn-block menu-item', type: 'button', 'data-testid': testid, ...extra, onclick: fn }, label);

  const network = h('div', { class: 'printer-list', 'data-testid': 'printer-network' }, h('p', { class: 'muted' }, '…'));
  listPrinters().then(
    ({ printers }) =>
      network.replaceChildren(
        ...(printers.length === 0
          ? [h('p', { class: 'muted' }, t('printer_network_none'))]
          : printers.map((p) =>
              option(`${p.name} · ${p.host}:${p.port}`, 'printer-option', () =>
                choose({ kind: 'network', printer_id: p.printer_id, name: p.name, columns: p.columns, encoding: p.encoding }),
                { 'data-printer-id': p.printer_id, 'aria-pressed': chosen.kind === 'network' && chosen.printer_id === p.printer_id ? 'true' : 'false' },
              ),
            )),
      ),
    (e: unknown) => network.replaceChildren(h('p', { class: 'form-error' }, t('printer_network_error', { message: e instanceof Error ? e.message : String(e) }))),
  );

  // A portable printer: the browser asks which one (in this click), with the paper and characters chosen here.
  const transports = browserTransports();
  const paper = h('select', { 'data-testid': 'printer-paper' }, h('option', { value: '32' }, t('printer_paper_58')), h('option', { value: '48' }, t('printer_paper_80')));
  const encoding = h('select', { 'data-testid': 'printer-encoding' }, h('option', { value: 'gb18030' }, 'GB18030 (中文)'), h('option', { value: 'utf8' }, 'UTF-8'));
  const failed = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const portable = (kind: 'bluetooth' | 'serial', pick: () => Promise<string>) => () =>
    void pick().then(
      (name) => choose({ kind, name, columns: Number(paper.value), encoding: encoding.value as PrintEncoding }),
      (e: unknown) => {
        failed.textContent = t('print_failed', { message: e instanceof Error ? e.message : String(e) });
        failed.hidden = false;
      },
    );

  const dialog = h(
    'dialog',
    { class: 'sheet', 'data-testid': 'printer-settings' },
    h('h2', {}, t('printer_title')),
    current,
    option(t('printer_none'), 'printer-none', () => choose({ kind: 'none' }), { 'aria-pressed': chosen.kind === 'none' ? 'true' : 'false' }),
    h('h3', { class: 'sheet-subtitle' }, t('printer_network')),
    network,
    h('h3', { class: 'sheet-subtitle' }, t('printer_portable')),
    transports.bluetooth || transports.serial
      ? [
          h('label', { class: 'field' }, h('span', {}, t('printer_paper')), paper),
          h('label', { class: 'field' }, h('span', {}, t('printer_encoding')), encoding),
          transports.bluetooth ? option(t('printer_bluetooth'), 'printer-bluetooth', portable('bluetooth', pickBluetoothPrinter)) : null,
          transports.serial ? option(t('printer_serial'), 'printer-serial', portable('serial', pickSerialPrinter)) : null,
          failed,
        ]
      : h('p', { class: 'muted', 'data-testid': 'printer-no-transport' }, t('printer_no_transport')),
    h('button', { class: 'btn btn-block', type: 'button', onclick: () => dialog.close() }, t('close')),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

function printerIcon(): SVGSVGElement {
  return svgIcon(
    '<path d="M7 9V3h10v6M7 17H5a2 2 0 0 1-2-2v-4a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2v4a2 2 0 0 1-2 2h-2M7 14h10v7H7z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>',
  );
}
