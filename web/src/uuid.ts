// UUIDv7 (RFC 9562) on crypto.getRandomValues, which unlike crypto.randomUUID also exists in
// insecure contexts (a handheld on http://192.168.x.x). Used for device ids, sale ids and op
// ids; v7 ids sort by creation time, so the outbox drains in the order sales were made.

let lastMs = 0;
let seq = 0;

export function uuidv7(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let ms = Date.now();
  // Keep ids made within one millisecond (or after a clock step back) strictly increasing:
  // a 12-bit counter in rand_a, seeded at random, moves the timestamp on when it wraps.
  if (ms <= lastMs) {
    ms = lastMs;
    seq += 1;
    if (seq > 0xfff) {
      ms += 1;
      seq = 0;
    }
  } else {
    seq = ((bytes[6] ?? 0) & 0x07) << 8 | (bytes[7] ?? 0);
  }
  lastMs = ms;
  // 48-bit big-endian millisecond timestamp, by integer steps (no bit ops above 32 bits).
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  bytes[6] = 0x70 | ((seq >> 8) & 0x0f);
  bytes[7] = seq & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
