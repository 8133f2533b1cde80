// Every string the associate sees, in zh-CN and en. zh-CN is the default when the browser
// prefers Chinese; the associate's choice is remembered on the device. Product and store names
// come from the data (name_zh / name_en) through localName().

export type Lang = 'zh-CN' | 'en';

const en = {
  app_name: 'Aisle',
  online: 'Online',
  offline: 'Offline',
  pending: '{n} waiting',
  synced: 'All synced',
  rejected: '{n} rejected',
  sign_out: 'Sign out',
  lang_switch: '中文',
  lang_switch_label: 'Switch language',
  // sign in
  signin_title: 'Sign in',
  signin_subtitle: 'Associate terminal',
  store_id: 'Store',
  staff_code: 'Staff code',
  pin: 'PIN',
  signin_button: 'Sign in',
  signing_in: 'Signing in…',
  err_invalid_credentials: 'Wrong staff code or PIN.',
  err_too_many_attempts: 'Too many attempts. Try again in {s} s.',
  err_too_many_attempts_later: 'Too many attempts. Try again later.',
  err_network: 'Cannot reach the server. Check the network and try again.',
  err_fields_required: 'Enter the store, your staff code and PIN.',
  err_server: 'The server answered: {message}',
  session_expired: 'Your session ended. Sign in again; queued sales are kept.',
  outbox_kept: '{n} sales are waiting to be sent. They will be sent after you sign in.',
  // sell
  scan_placeholder: 'Scan or type a barcode',
  scan_label: 'Barcode',
  add: 'Add',
  search: 'Search',
  search_placeholder: 'Product name, SKU or barcode',
  search_hint: 'Type at least one character.',
  search_none: 'No product matches “{q}”.',
  close: 'Close',
  keyboard: 'Keyboard',
  cart_empty_title: 'Cart is empty',
  cart_empty_hint: 'Scan a barcode, type it and press Enter, or search by name.',
  items: '{n} items',
  per_kg: '/kg',
  remove: 'Remove',
  increase: 'More',
  decrease: 'Less',
  edit_weight: 'Weight',
  subtotal: 'Subtotal (excl. tax)',
  tax: 'Tax',
  total: 'Total',
  savings: 'You save',
  pay: 'Pay',
  clear_cart: 'Clear',
  unknown_barcode: 'Unknown barcode {code}.',
  invalid_barcode: 'Not a valid barcode: {code}.',
  added: 'Added {name}.',
  catalog_empty: 'The product list is not on this device yet. Go online once to load it.',
  catalog_count: '{n} products',
  core_loading: 'Loading the pricing engine…',
  core_failed: 'The pricing engine did not load, so nothing can be priced. Reload the page.',
  pricing_error: 'The cart could not be priced: {message}',
  // weight dialog
  weight_title: 'Weight of {name}',
  grams: 'Grams',
  weight_hint: 'Enter the weight on the scale, in grams.',
  ok: 'OK',
  cancel: 'Cancel',
  err_grams: 'Enter a whole number of grams, at least 1.',
  // pay
  pay_cash: 'Cash payment',
  amount_due: 'Amount due',
  tendered: 'Cash received',
  exact: 'Exact',
  change: 'Change',
  complete: 'Complete sale',
  back: 'Back',
  tender_short: 'Not enough cash yet.',
  err_amount: 'Enter an amount such as 50 or 39.98.',
  saving: 'Saving…',
  err_save: 'The sale could not be saved on this device: {message}',
  // receipt
  receipt: 'Receipt',
  receipt_saved: 'Sale saved',
  receipt_queued: 'Saved on this device; it will be sent when online.',
  date: 'Date',
  cashier: 'Cashier',
  sale_id: 'Sale',
  new_sale: 'New sale',
  total_incl_tax: 'Total (incl. tax)',
  // rejected
  rejected_title: 'Operations the server refused',
  rejected_hint: 'These sales were refused by the server. Show this list to a manager.',
};

export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  app_name: 'Aisle',
  online: '在线',
  offline: '离线',
  pending: '{n} 笔待上传',
  synced: '已全部同步',
  rejected: '{n} 笔被拒',
  sign_out: '退出',
  lang_switch: 'EN',
  lang_switch_label: '切换语言',
  signin_title: '登录',
  signin_subtitle: '店员终端',
  store_id: '门店',
  staff_code: '工号',
  pin: '密码',
  signin_button: '登录',
  signing_in: '正在登录…',
  err_invalid_credentials: '工号或密码不正确。',
  err_too_many_attempts: '尝试次数过多，请 {s} 秒后再试。',
  err_too_many_attempts_later: '尝试次数过多，请稍后再试。',
  err_network: '无法连接服务器，请检查网络后重试。',
  err_fields_required: '请输入门店、工号和密码。',
  err_server: '服务器返回：{message}',
  session_expired: '登录已过期，请重新登录；待上传的销售不会丢失。',
  outbox_kept: '有 {n} 笔销售待上传，登录后会自动上传。',
  scan_placeholder: '扫描或输入条码',
  scan_label: '条码',
  add: '添加',
  search: '搜索',
  search_placeholder: '商品名称、货号或条码',
  search_hint: '请输入至少一个字。',
  search_none: '没有与“{q}”匹配的商品。',
  close: '关闭',
  keyboard: '键盘',
  cart_empty_title: '购物车是空的',
  cart_empty_hint: '扫描条码，或输入条码后按回车，也可以按名称搜索。',
  items: '{n} 件',
  per_kg: '/千克',
  remove: '删除',
  increase: '加一',
  decrease: '减一',
  edit_weight: '重量',
  subtotal: '小计（不含税）',
  tax: '税额',
  total: '合计',
  savings: '已优惠',
  pay: '收款',
  clear_cart: '清空',
  unknown_barcode: '未知条码 {code}。',
  invalid_barcode: '条码无效：{code}。',
  added: '已添加 {name}。',
  catalog_empty: '本机还没有商品目录，请先联网加载一次。',
  catalog_count: '{n} 个商品',
  core_loading: '正在加载计价引擎…',
  core_failed: '计价引擎加载失败，无法计价。请重新加载页面。',
  pricing_error: '无法计价：{message}',
  weight_title: '{name} 的重量',
  grams: '克',
  weight_hint: '请输入秤上的重量（克）。',
  ok: '确定',
  cancel: '取消',
  err_grams: '请输入整数克数，至少为 1。',
  pay_cash: '现金收款',
  amount_due: '应收金额',
  tendered: '实收现金',
  exact: '正好',
  change: '找零',
  complete: '完成交易',
  back: '返回',
  tender_short: '收款金额不足。',
  err_amount: '请输入金额，例如 50 或 39.98。',
  saving: '正在保存…',
  err_save: '无法在本机保存这笔销售：{message}',
  receipt: '小票',
  receipt_saved: '交易已保存',
  receipt_queued: '已保存在本机，联网后自动上传。',
  date: '日期',
  cashier: '收银员',
  sale_id: '单号',
  new_sale: '新交易',
  total_incl_tax: '合计（含税）',
  rejected_title: '被服务器拒绝的操作',
  rejected_hint: '以下销售被服务器拒绝，请交给店长处理。',
};

const tables: Record<Lang, Record<MessageKey, string>> = { en, 'zh-CN': zh };
const storageKey = 'aisle.lang';
const listeners = new Set<() => void>();

function initialLang(): Lang {
  const saved = localStorage.getItem(storageKey);
  if (saved === 'en' || saved === 'zh-CN') return saved;
  const preferred = navigator.languages.length > 0 ? navigator.languages : [navigator.language];
  return preferred[0]?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

let current: Lang = initialLang();
document.documentElement.lang = current;

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  if (next === current) return;
  current = next;
  localStorage.setItem(storageKey, next);
  document.documentElement.lang = next;
  for (const fn of listeners) fn();
}

export function toggleLang(): void {
  setLang(current === 'en' ? 'zh-CN' : 'en');
}

export function onLangChange(fn: () => void): void {
  listeners.add(fn);
}

/** The message for key in the current language, with {name} placeholders filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = tables[current][key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** The name in the current language, falling back to the other one when it is empty. */
export function localName(item: { name_zh?: string; name_en?: string }): string {
  const zhName = item.name_zh ?? '';
  const enName = item.name_en ?? '';
  return current === 'zh-CN' ? zhName || enName : enName || zhName;
}

/** A date and time in the current language, e.g. "24 Nov 2026, 10:00". */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return new Intl.DateTimeFormat(current, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(d);
}
