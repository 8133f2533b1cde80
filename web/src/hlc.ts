// The device's hybrid logical clock (docs/sync.md, "Clocks"): every operation carries a stamp
// that follows the wall clock but never runs backwards, and moves past what the server has seen,
// so reports order sales sensibly even on a handheld whose clock is wrong. Text form as in
// core/hlc.h: 13 digits of milliseconds, '-', 5 digits of counter; it sorts as the stamp does.

export interface Hlc {
  ms: number;
  counter: number;
}

const maxCounter = 99_999;

export function formatHlc(h: Hlc): string {
  return `${String(h.ms).padStart(13, '0')}-${String(h.counter).padStart(5, '0')}`;
}

export function parseHlc(text: unknown): Hlc | null {
  if (typeof text !== 'string' || !/^\d{13}-\d{5}$/.test(text)) return null;
  return { ms: Number(text.slice(0, 13)), counter: Number(text.slice(14)) };
}

function later(a: Hlc, b: Hlc): boolean {
  return a.ms > b.ms || (a.ms === b.ms && a.counter > b.counter);
}

/** The stamp for a local event at wall time nowMs, after `last`. */
export function tick(last: Hlc | null, nowMs: number): Hlc {
  if (!last || nowMs > last.ms) return { ms: nowMs, counter: 0 };
  if (last.counter >= maxCounter) return { ms: last.ms + 1, counter: 0 };
  return { ms: last.ms, counter: last.counter + 1 };
}

/** The clock after seeing a remote stamp (the server's): never behind it. */
export function observe(last: Hlc | null, remote: Hlc | null): Hlc | null {
  if (!remote) return last;
  return !last || later(remote, last) ? remote : last;
}
