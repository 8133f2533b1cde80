// The pricing rules the terminal prices with (docs/pricing.md): the latest document of the
// server's promotions feed, kept in IndexedDB so a cart is priced with promotions offline too.
// The sale records the version it was priced with; the server re-prices it with that version.

import { getMeta, setMeta, updateMeta } from './db';

export interface RulesDocument {
  version: string;
  [field: string]: unknown;
}

let current: RulesDocument | null = null;

/**
 * Units of capped promotions (`remaining_units`) already used: chain-wide as the promotions feed
 * last said (`feed`), and by this device's sales the server does not have yet (`pending`, per op).
 * A cart is priced with the cap that is left (context.promotion_used; docs/sync.md, "Conflicts").
 * Every change is a read-modify-write of the stored value in one transaction, so tabs keep each
 * other's counts; a pending entry lives only while its op is in the outbox.
 */
interface PromotionUsage {
  feed: Record<string, number>;
  pending: Record<string, Record<string, number>>;
  /**
   * Per-member caps (`per_member`): applications this device's queued sales gave a member, per op.
   * What the server already has comes with the member (the members cache: Member.promotions) and,
   * from push answers, in `memberTotals` (so it counts before the members feed brings it).
   */
  members?: Record<string, { member_id: string; applications: Record<string, number> }>;
  memberTotals?: Record<string, Record<string, number>>;
}
let usage: PromotionUsage = { feed: {}, pending: {} };

/** What a cart is priced with (context.promotion_used and context.member_applications). */
export interface CapCounts {
  promotion_used: Record<string, number>;
  member_applications: Record<string, number>;
}

/** Reads the promotion usage again (another tab or the service worker changed it). */
export async function reloadPromotionUse(): Promise<void> {
  usage = (await getMeta<PromotionUsage>('promotion_usage')) ?? usage;
}

/** Reads the stored rules and promotion usage into memory (once at start). */
export async function loadRules(): Promise<void> {
  const [rules, used] = await Promise.all([getMeta<RulesDocument>('rules'), getMeta<PromotionUsage>('promotion_usage')]);
  usage = used ?? usage;  // set together: a cart is never priced with the rules but not the counts
  current = rules ?? null;
}

/**
 * The counts to price a cart with, now: the chain-wide units of capped promotions (the feed's plus
 * this device's queued sales), and for the cart's member, the applications of per-member capped
 * promotions they had (as the members cache says, plus this device's queued sales to them).
 */
export function capCounts(member?: { member_id: string; promotions?: Record<string, number> }): CapCounts {
  const used: Record<string, number> = { ...usage.feed };
  for (const units of Object.values(usage.pending)) {
    for (const [id, n] of Object.entries(units)) used[id] = (used[id] ?? 0) + n;
  }
  const had = higher(member?.promotions ?? {}, (member && usage.memberTotals?.[member.member_id]) || {});
  for (const queued of Object.values(usage.members ?? {})) {
    if (queued.member_id !== member?.member_id) continue;
    for (const [id, n] of Object.entries(queued.applications)) had[id] = (had[id] ?? 0) + n;
  }
  return { promotion_used: used, member_applications: member ? had : {} };
}

/**
 * A queued sale's units of capped promotions, and the applications of per-member capped ones it
 * gave its member, counted until the server has the sale.
 */
export async function notePromotionUse(
  opId: string,
  adjustments: readonly { id: string; applications?: number; lines?: { units: number }[] }[],
  memberId?: string,
): Promise<void> {
  const promotions = (current?.promotions ?? []) as { id: string; remaining_units?: number; per_member?: number }[];
  const capped = new Set(promotions.filter((p) => p.remaining_units !== undefined).map((p) => p.id));
  const perMember = new Set(promotions.filter((p) => p.per_member !== undefined).map((p) => p.id));
  const units: Record<string, number> = {};
  const applications: Record<string, number> = {};
  for (const a of adjustments) {
    if (capped.has(a.id)) units[a.id] = (units[a.id] ?? 0) + (a.lines ?? []).reduce((n, l) => n + l.units, 0);
    if (memberId && perMember.has(a.id)) applications[a.id] = (applications[a.id] ?? 0) + (a.applications ?? 0);
  }
  const hasUnits = Object.keys(units).length > 0;
  const hasApplications = memberId !== undefined && Object.keys(applications).length > 0;
  if (!hasUnits && !hasApplications) return;
  await changeUsage(async (u) => ({
    ...u,
    ...(hasUnits ? { pending: { ...u.pending, [opId]: units } } : {}),
    ...(hasApplications ? { members: { ...u.members, [opId]: { member_id: memberId, applications } } } : {}),
  }));
}

/**
 * After an upload: the chain-wide counts that came back in the answers (`counts`, after each sale)
 * and members' totals (`memberCounts`: [member id, {promotion: applications}]), and only the
 * pending entries whose op is still queued — an op the server has (this tab's upload or another's)
 * or rejected counts no more, so the device never counts a sale twice or forever. The uploader
 * calls it with the answers' totals before it forgets the ops they replace, then again after.
 */
export async function settlePromotionUse(counts: Record<string, number>, memberCounts: readonly [string, Record<string, number>][] = []): Promise<void> {
  // Most uploads carry no capped promotion: no transaction then (a 10,000-sale drain has 20 batches).
  const nothingQueued = Object.keys(usage.pending).length === 0 && Object.keys(usage.members ?? {}).length === 0;
  if (Object.keys(counts).length === 0 && memberCounts.length === 0 && nothingQueued) return;
  await changeUsage(async (u, queued) => {
    const pending: PromotionUsage['pending'] = {};
    for (const [opId, units] of Object.entries(u.pending)) if (await queued(opId)) pending[opId] = units;
    const members: NonNullable<PromotionUsage['members']> = {};
    for (const [opId, given] of Object.entries(u.members ?? {})) if (await queued(opId)) members[opId] = given;
    const memberTotals = { ...u.memberTotals };
    for (const [member, had] of memberCounts) memberTotals[member] = higher(memberTotals[member] ?? {}, had);
    return { feed: higher(u.feed, counts), pending, members, memberTotals };
  });
}

/** Counts only grow (a return gives nothing back to a cap), so the higher of two is the newer. */
function higher(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [id, n] of Object.entries(b)) out[id] = Math.max(out[id] ?? 0, n);
  return out;
}

/** New chain-wide counts from the promotions feed. */
export async function saveFeedUsage(counts: Record<string, number>): Promise<void> {
  if (Object.keys(counts).length === 0) return;
  await changeUsage(async (u) => ({ ...u, feed: higher(u.feed, counts) }));
}

async function changeUsage(change: (u: PromotionUsage, queued: (opId: string) => Promise<boolean>) => Promise<PromotionUsage>): Promise<void> {
  usage = await updateMeta<PromotionUsage>('promotion_usage', (stored, queued) => change(stored ?? { feed: {}, pending: {} }, queued));
}

/** The rules to price with now, or null when the server has published none yet. */
export function currentRules(): RulesDocument | null {
  return current;
}

export async function promotionsCursor(): Promise<number> {
  return (await getMeta<number>('promotions_cursor')) ?? 0;
}

/** Keeps the newest rules (null: none new) and the feed cursor they came with. */
export async function saveRules(rules: RulesDocument | null, cursor: number): Promise<void> {
  if (rules) await setMeta('rules', rules);
  await setMeta('promotions_cursor', cursor);
  if (rules) current = rules;
}
