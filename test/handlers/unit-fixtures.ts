/** Fixtures of the handlers' unit tests (no servers): a clock, a roster of four, and the error a call throws. */
import { RosterEmployee } from '../../src/shared/contract';

export const NOW = new Date('2026-11-25T10:00:00.000Z');
export const ROSTER: RosterEmployee[] = [
  { id: 'e1', name: 'Ana', email: 'ana@example.com' },
  { id: 'e2', name: 'Bo', email: 'bo@example.com' },
  { id: 'e3', name: 'Cy', email: 'cy@example.com' },
  { id: 'e4', name: 'Di', email: 'di@example.com' },
];

export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}
