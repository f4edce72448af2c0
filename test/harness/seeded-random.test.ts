/**
 * Seeded randomness (harness/seeded-random.ts): a seed gives one sequence, and a hashed draw
 * depends only on its seed and key, not on what was drawn before.
 */
import { hashedRandom, seededRandom } from '../../harness/seeded-random';

test('one seed, one sequence in [0, 1); another seed, another sequence', () => {
  const draw = (seed: number) => {
    const random = seededRandom(seed);
    return Array.from({ length: 100 }, () => random());
  };
  const a = draw(7);
  expect(draw(7)).toEqual(a);
  expect(draw(8)).not.toEqual(a);
  expect(a.every((u) => u >= 0 && u < 1)).toBe(true);
});

test('a hashed draw is the same whatever order the keys are drawn in; each draw index is its own number', () => {
  const keys = Array.from({ length: 50 }, (_, i) => ['ses', `case-${i}`, 'SendEmail', 1]);
  const forward = keys.map((k) => hashedRandom(3, k));
  expect([...keys].reverse().map((k) => hashedRandom(3, k)).reverse()).toEqual(forward);
  expect(keys.map((k) => hashedRandom(3, k, 1))).not.toEqual(forward);
  expect(keys.map((k) => hashedRandom(4, k))).not.toEqual(forward);
});
