/**
 * Seeded randomness for the harness: a seedable sequence (the burst model's), and numbers that
 * depend only on a seed and a key (the fault proxy's faults, the Lambda fault injector, the local
 * runner's retry jitter and the handlers' `Math.random`), so that a run of a seed makes the same
 * decisions whatever order things happen in.
 */
/** A small, fast, seedable PRNG (mulberry32): same seed, same sequence. */
/* eslint-disable no-bitwise */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a hash of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
/* eslint-enable no-bitwise */

/**
 * A number in [0, 1) that depends only on the seed and the parts: the same decision for the
 * same request, whatever order requests arrive in. `draw` picks independent numbers for one key.
 */
export function hashedRandom(seed: number, parts: readonly (string | number)[], draw = 0): number {
  return seededRandom(fnv1a(`${seed}\u0000${parts.join('\u0000')}\u0000${draw}`))();
}
