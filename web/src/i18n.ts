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
  // security: devices, approvals, offline sign-in, cash drawer
  menu: 'Menu',
  menu_sell: 'Sell',
  menu_drawer: 'Cash drawer',
  menu_backoffice: 'Back office',
  menu_switch: 'Switch associate',
  switch: 'Hand the device to the next associate: sign in. The cart is kept.',
  idle_locked: 'Locked after a while without use. Enter your PIN; the cart is kept.',
  offline_session: 'offline',
  offline_needs_signin: 'Signed in offline: sales are kept and will sync after an online sign-in.',
  offline_needs_https: 'Offline sign-in needs HTTPS (or localhost).',
  offline_no_cache: 'This device has no staff list for this store yet: sign in online once.',
  offline_too_long: 'Offline for more than {h} hours: sign in online.',
  offline_locked: 'Too many wrong PINs on this device. Try again in 5 minutes.',
  enroll_needed: 'This device is not enrolled yet. Enter the enrollment code from your manager.',
  enroll_code: 'Enrollment code',
  enroll_bad_code: 'The enrollment code is wrong, used or expired.',
  device_revoked: 'This device was revoked. Ask the store manager.',
  approval_title: 'Manager approval',
  approval_rule_void_line: 'Removing a scanned item needs a manager.',
  approval_rule_paid_out: 'Paying cash out of the drawer needs a manager.',
  approval_rule_no_sale: 'Opening the drawer without a sale needs a manager.',
  approval_rule_price_override: 'Changing a price needs a manager.',
  approval_fields: 'Choose a reason and enter the manager’s code and PIN.',
  approval_needs_https: 'Approvals need HTTPS (or localhost).',
  approval_no_cache: 'This device has no staff list yet: sign in online once.',
  approval_not_self: 'Nobody approves their own act.',
  approval_role_cannot: 'A {role} cannot approve this.',
  approve: 'Approve',
  manager_code: 'Manager’s staff code',
  manager_pin: 'Manager’s PIN',
  reason: 'Reason',
  reason_other: 'Other reason',
  reason_changed_mind: 'Customer changed their mind',
  reason_scanned_twice: 'Scanned twice',
  reason_wrong_item: 'Wrong item',
  reason_damaged: 'Damaged item',
  reason_supplies: 'Store supplies',
  reason_courier: 'Courier fee',
  reason_petty_cash: 'Petty cash',
  reason_change_for_till: 'Change for another till',
  reason_check_drawer: 'Check the drawer',
  amount: 'Amount',
  drawer_title: 'Cash drawer',
  drawer_none: 'No drawer session is open on this device. Count the float and open one.',
  drawer_float: 'Float',
  drawer_open: 'Open drawer',
  drawer_opened: 'Opened {at} by {by}, float {float}',
  drawer_pay_in: 'Pay in',
  drawer_paid_out: 'Pay out',
  drawer_no_sale: 'No sale',
  drawer_no_sale_done: 'Drawer opened (no sale).',
  drawer_close: 'Close drawer',
  drawer_blind_hint: 'Count what is in the drawer for each tender. The expected amounts are shown after.',
  drawer_move_fields: 'Enter an amount and a reason.',
  drawer_x_title: 'X report (now)',
  drawer_z_title: 'Z report (closed)',
  drawer_sales: 'Sales',
  drawer_pay_ins: 'Pay-ins',
  drawer_paid_outs: 'Pay-outs',
  drawer_no_sales: 'No-sale openings',
  drawer_variance: 'Variance {amount}',
  tender: 'Tender',
  expected: 'Expected',
  counted: 'Counted',
  variance: 'Variance',
  tender_cash: 'Cash',
  tender_card: 'Card',
  tender_alipay: 'Alipay',
  tender_wechat: 'WeChat Pay',
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
  menu: '菜单',
  menu_sell: '收银',
  menu_drawer: '钱箱',
  menu_backoffice: '后台管理',
  menu_switch: '切换店员',
  switch: '请下一位店员登录，购物车已保留。',
  idle_locked: '长时间未操作已锁定。请输入PIN，购物车已保留。',
  offline_session: '离线',
  offline_needs_signin: '当前为离线登录：销售已保存，联网登录后将同步。',
  offline_needs_https: '离线登录需要 HTTPS（或 localhost）。',
  offline_no_cache: '本设备尚无该门店的员工数据，请先联网登录一次。',
  offline_too_long: '离线已超过 {h} 小时，请联网登录。',
  offline_locked: '本设备PIN错误次数过多，请5分钟后再试。',
  enroll_needed: '本设备尚未注册，请输入店长提供的注册码。',
  enroll_code: '设备注册码',
  enroll_bad_code: '注册码错误、已使用或已过期。',
  device_revoked: '本设备已被停用，请联系店长。',
  approval_title: '店长授权',
  approval_rule_void_line: '删除已扫描的商品需要店长授权。',
  approval_rule_paid_out: '从钱箱支出现金需要店长授权。',
  approval_rule_no_sale: '无销售开钱箱需要店长授权。',
  approval_rule_price_override: '改价需要店长授权。',
  approval_fields: '请选择原因并输入店长工号和PIN。',
  approval_needs_https: '授权需要 HTTPS（或 localhost）。',
  approval_no_cache: '本设备尚无员工数据，请先联网登录一次。',
  approval_not_self: '不能为自己授权。',
  approval_role_cannot: '{role} 无权授权此操作。',
  approve: '授权',
  manager_code: '店长工号',
  manager_pin: '店长PIN',
  reason: '原因',
  reason_other: '其他原因',
  reason_changed_mind: '顾客不要了',
  reason_scanned_twice: '重复扫描',
  reason_wrong_item: '商品错误',
  reason_damaged: '商品损坏',
  reason_supplies: '门店耗材',
  reason_courier: '快递费',
  reason_petty_cash: '备用金',
  reason_change_for_till: '为其他收银台换零钱',
  reason_check_drawer: '核对钱箱',
  amount: '金额',
  drawer_title: '钱箱',
  drawer_none: '本设备没有打开的钱箱班次。请清点备用金后开班。',
  drawer_float: '备用金',
  drawer_open: '开班',
  drawer_opened: '{at} 由 {by} 开班，备用金 {float}',
  drawer_pay_in: '存入',
  drawer_paid_out: '支出',
  drawer_no_sale: '无销售开箱',
  drawer_no_sale_done: '钱箱已打开（无销售）。',
  drawer_close: '结班',
  drawer_blind_hint: '请清点各支付方式的实际金额，提交后才显示应有金额。',
  drawer_move_fields: '请输入金额和原因。',
  drawer_x_title: 'X 报表（当前）',
  drawer_z_title: 'Z 报表（已结班）',
  drawer_sales: '销售笔数',
  drawer_pay_ins: '存入次数',
  drawer_paid_outs: '支出次数',
  drawer_no_sales: '无销售开箱次数',
  drawer_variance: '差异 {amount}',
  tender: '支付方式',
  expected: '应有',
  counted: '实点',
  variance: '差异',
  tender_cash: '现金',
  tender_card: '银行卡',
  tender_alipay: '支付宝',
  tender_wechat: '微信支付',
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
  return fill(tables[current][key], params);
}

/** A message with its {name} placeholders filled (shared by every string table). */
export function fill(text: string, params: Record<string, string | number>): string {
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
