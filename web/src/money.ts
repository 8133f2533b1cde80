// Money display and entry for the terminal. Amounts are integers in minor units (fen); this
// module only turns them into text and back, by integer and string arithmetic. It never
// computes a price: totals, tax and change come from the WASM core.

const symbols: Record<string, string> = { CNY: '¥', USD: '$', EUR: '€', HKD: 'HK$' };

/** Formats an integer amount of minor units: 3998 → "¥39.98", -50 → "-¥0.50". */
export function formatMoney(minor: number, currency = 'CNY'): string {
  if (!Number.isSafeInteger(minor)) return '—';
  const negative = minor < 0;
  const digits = String(negative ? -minor : minor).padStart(3, '0');
  const major = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = digits.slice(-2);
  return `${negative ? '-' : ''}${symbols[currency] ?? `${currency} `}${major}.${cents}`;
}

/** Formats minor units as a plain decimal for an input field: 3998 → "39.98", 5000 → "50". */
export function minorToInput(minor: number): string {
  const digits = String(Math.abs(minor)).padStart(3, '0');
  const cents = digits.slice(-2);
  return `${minor < 0 ? '-' : ''}${digits.slice(0, -2)}${cents === '00' ? '' : `.${cents}`}`;
}

/**
 * Parses what the associate typed ("50", "50.5", "39.98", "39,98") into minor units, or null
 * when it is not a non-negative amount with at most two decimals.
 */
export function parseMoneyInput(text: string): number | null {
  const m = /^\s*(\d{1,9})(?:[.,](\d{0,2}))?\s*$/.exec(text);
  if (!m) return null;
  const major = m[1] ?? '0';
  const cents = (m[2] ?? '').padEnd(2, '0');
  return Number.parseInt(major, 10) * 100 + Number.parseInt(cents, 10);
}

/** Weight in grams for display: 350 → "350 g", 1250 → "1.250 kg". */
export function formatGrams(grams: number): string {
  if (grams < 1000) return `${grams} g`;
  const digits = String(grams);
  return `${digits.slice(0, -3)}.${digits.slice(-3)} kg`;
}
