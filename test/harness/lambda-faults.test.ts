/**
 * The seeded Lambda fault injector (harness/lambda-faults.ts).
 */
import { lambdaFaultInjector, LAMBDA_KILLED } from '../../harness/lambda-faults';

test('a fault is a hash of (seed, execution, state, attempt), whatever the order of calls; kills are rare', () => {
  const a = lambdaFaultInjector(0.2, 9);
  const b = lambdaFaultInjector(0.2, 9);
  const keys = Array.from({ length: 20000 }, (_, i) => ({ execution: `case-${i % 5000}`, attempt: 1 + Math.floor(i / 5000) }));
  const drawn = keys.map((k) => a('Send Email', k));
  expect([...keys].reverse().map((k) => b('Send Email', k)).reverse()).toEqual(drawn);
  const share = (pred: (f: string | undefined) => boolean) => drawn.filter(pred).length / drawn.length;
  expect(share((f) => f !== undefined)).toBeCloseTo(0.2, 1);
  expect(share((f) => f === LAMBDA_KILLED)).toBeGreaterThan(0.003);
  expect(share((f) => f === LAMBDA_KILLED)).toBeLessThan(0.02);
  expect(share((f) => f === 'after:Lambda.ServiceException')).toBeGreaterThan(0.06);
  expect(share((f) => f !== undefined && !f.startsWith('after:'))).toBeGreaterThan(0.06);
});
