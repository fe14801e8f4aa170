/**
 * The memory store's duplicate memory: the newest `capacity` (site, event id) pairs, each for
 * `ttlMs` from when it was first seen. A Map of the id strings took ~120 bytes an id (~29 MiB at the
 * default 250,000, reached after ~20 minutes at 200 events/s); here an id is a 64-bit hash in a
 * ring of typed arrays, oldest first, found through an open-addressing table of ring positions:
 * 24 bytes an id, allocated once. Two different ids share a hash with a chance of about
 * capacity ÷ 2^64 for each new event (10^-14 at the default): such an event would be dropped from
 * the live figures as a duplicate, never from the warehouse, which checks the ids themselves.
 */
export interface RecentIds {
  /**
   * True when (site, id) was not seen within `ttlMs` before `now`: it is remembered from `now` on
   * (the oldest id is forgotten when all places are taken). False for a duplicate, whose time is kept.
   */
  firstSeen(site: string, id: string, now: number): boolean;
  /** Forgets, oldest first, every id first seen `ttlMs` or longer before `now`. */
  expire(now: number): void;
  /** Places taken in the ring: the ids remembered (after a clock went back, also the old places of ids seen again, until passed). */
  readonly size: number;
  clear(): void;
}

// The two 32-bit halves of the last hash (module state: hashing allocates nothing).
let hashHigh = 0;
let hashLow = 0;

/** A 64-bit hash of site, a NUL and id, in two multiplicative lanes mixed into each other at the end. */
function hashKey(site: string, id: string): void {
  let a = 0x9e3779b9 ^ site.length;
  let b = 0x7f4a7c15 ^ id.length;
  for (let i = 0; i < site.length; i++) {
    const c = site.charCodeAt(i);
    a = Math.imul(a ^ c, 0x9e3779b1);
    b = Math.imul(b ^ c, 0x5f356495);
  }
  a = Math.imul(a, 0x9e3779b1);
  b = Math.imul(b, 0x5f356495);
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x9e3779b1);
    b = Math.imul(b ^ c, 0x5f356495);
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b) ^ Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  b = Math.imul(b ^ (b >>> 16), 0x85ebca6b) ^ Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  hashHigh = (a ^ (a >>> 15)) >>> 0;
  hashLow = (b ^ (b >>> 15)) >>> 0;
}

export function createRecentIds(capacity: number, ttlMs: number): RecentIds {
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  const high = new Uint32Array(capacity);
  const low = new Uint32Array(capacity);
  /** When each ring place's id was first seen; NaN for a place whose id was forgotten out of order. */
  const seenAt = new Float64Array(capacity);
  // At most half full, so a lookup probes ~1.5 places.
  const slots = 2 ** Math.max(3, Math.ceil(Math.log2(capacity * 2)));
  const mask = slots - 1;
  /** Ring position + 1 of the id whose hash starts its probe at or before each slot; 0 = empty. */
  const table = new Int32Array(slots);
  let head = 0;
  let count = 0;

  /** The table slot holding the ring place of (high, low), or -1. */
  const find = (h: number, l: number): number => {
    for (let i = l & mask; ; i = (i + 1) & mask) {
      const entry = table[i] as number;
      if (entry === 0) return -1;
      if (low[entry - 1] === l && high[entry - 1] === h) return i;
    }
  };

  /** Empties table slot `at`, moving later entries of its probe run back so every lookup still finds them. */
  const remove = (at: number): void => {
    let hole = at;
    for (let i = (at + 1) & mask; ; i = (i + 1) & mask) {
      const entry = table[i] as number;
      if (entry === 0) break;
      const home = (low[entry - 1] as number) & mask;
      // The entry may fill the hole unless its home lies cyclically after the hole, up to i.
      const staysPut = hole <= i ? hole < home && home <= i : hole < home || home <= i;
      if (staysPut) continue;
      table[hole] = entry;
      hole = i;
    }
    table[hole] = 0;
  };

  const dropOldest = (): void => {
    if (!Number.isNaN(seenAt[head])) {
      const at = find(high[head] as number, low[head] as number);
      if (at >= 0) remove(at);
    }
    head = (head + 1) % capacity;
    count -= 1;
  };

  return {
    firstSeen(site, id, now) {
      hashKey(site, id);
      const h = hashHigh;
      const l = hashLow;
      const at = find(h, l);
      if (at >= 0) {
        const place = (table[at] as number) - 1;
        if ((seenAt[place] as number) > now - ttlMs) return false;
        // Seen, but too long ago for a clock that went back: remembered again from now.
        seenAt[place] = Number.NaN;
        remove(at);
      }
      if (count === capacity) dropOldest();
      const place = (head + count) % capacity;
      high[place] = h;
      low[place] = l;
      seenAt[place] = now;
      count += 1;
      let slot = l & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = place + 1;
      return true;
    },
    expire(now) {
      while (count > 0) {
        const at = seenAt[head] as number;
        if (!Number.isNaN(at) && at > now - ttlMs) break;
        dropOldest();
      }
    },
    get size() {
      return count;
    },
    clear() {
      table.fill(0);
      head = 0;
      count = 0;
    },
  };
}
