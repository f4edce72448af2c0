/** audit:bundles: which packages a bundle holds, and how the build reads npm audit's answer. */
import { auditLockfile, auditVerdict, bundledPackages, packageFolderOf } from '../../harness/bundle-audit';

test('a bundled file belongs to the innermost package of its path, scoped or not; the project\'s own files to none', () => {
  expect(packageFolderOf('node_modules/@aws-sdk/core/dist-es/index.js')).toBe('node_modules/@aws-sdk/core');
  expect(packageFolderOf('node_modules/mnemonist/lru-cache.js')).toBe('node_modules/mnemonist');
  expect(packageFolderOf('node_modules/a/node_modules/@s/b/lib/x.js')).toBe('node_modules/a/node_modules/@s/b');
  expect(packageFolderOf('../../main/node_modules/bowser/es5.js')).toBe('node_modules/bowser');
  expect(packageFolderOf('src/handlers/send-email.lambda.ts')).toBeUndefined();
});

test('the packages of a bundle, each once, with the lockfile that npm audit reads', () => {
  const versions: Record<string, string> = { 'node_modules/a': '1.0.0', 'node_modules/a/node_modules/b': '2.0.0', 'node_modules/b': '3.0.0' };
  const packages = bundledPackages(
    ['node_modules/a/x.js', 'node_modules/a/y.js', 'node_modules/a/node_modules/b/z.js', 'node_modules/b/w.js', 'src/own.ts'],
    (folder) => ({ name: folder.split('/').pop()!, version: versions[folder] }),
  );
  expect(packages.map((p) => `${p.lockPath}@${p.version}`)).toEqual(['node_modules/a@1.0.0', 'node_modules/a/node_modules/b@2.0.0', 'node_modules/b@3.0.0']);
  const { lockfile } = auditLockfile(packages) as any;
  expect(lockfile.packages['']).toMatchObject({ dependencies: { a: '1.0.0', b: '3.0.0' } });
  expect(lockfile.packages['node_modules/a/node_modules/b']).toEqual({ name: 'b', version: '2.0.0' });
});

test('a registry that does not answer the audit: a clear message, the build goes on', () => {
  const v = auditVerdict(JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk', statusCode: 405 }), 16);
  expect(v).toMatchObject({ status: 'unavailable', fail: false });
  expect(v.lines.join('\n')).toMatch(/did not answer the audit request \(405 Method Not Allowed[\s\S]*16 bundled packages are NOT checked/);
  expect(auditVerdict('', 3).status).toBe('unavailable');
});

test('advisories: listed; high or critical fail the build, lower ones do not', () => {
  const report = (severity: string) => JSON.stringify({ vulnerabilities: { x: { name: 'x', severity, range: '<1.2.3' } } });
  expect(auditVerdict(report('moderate'), 3)).toMatchObject({ status: 'advisories', fail: false });
  expect(auditVerdict(report('high'), 3)).toMatchObject({ status: 'advisories', fail: true, lines: expect.arrayContaining(['  - x (high) <1.2.3']) });
  expect(auditVerdict(JSON.stringify({ vulnerabilities: {} }), 3)).toMatchObject({ status: 'clean', fail: false });
});
