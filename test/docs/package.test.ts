import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// These checks read what the build produced (lib/, assets/, .jsii): in `npx projen build` they run
// after the compile; by hand, run `npx projen compile` first.
const ROOT = join(__dirname, '..', '..');

/** Every file of the npm tarball must match one of these (package.json "files" plus what npm always adds). */
const ALLOWED: Array<[string, RegExp]> = [
  ['package.json', /^package\.json$/],
  ['README.md', /^README\.md$/],
  ['LICENSE', /^LICENSE$/],
  ['API.md', /^API\.md$/],
  ['.jsii', /^\.jsii$/],
  ['lib/**/*.js', /^lib\/.+\.js$/],
  ['lib/**/*.d.ts', /^lib\/.+\.d\.ts$/],
  ['assets/<handler>.lambda/index.js', /^assets\/handlers\/[a-z-]+\.lambda\/index\.js$/],
  // the bundled packages and their versions (audit:bundles); the esbuild metafiles stay out
  ['assets/bundled-packages.json', /^assets\/bundled-packages\.json$/],
];

/** And these must be in it. */
const REQUIRED = ['package.json', 'README.md', 'LICENSE', 'API.md', '.jsii', 'lib/index.js', 'lib/index.d.ts'];

function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return pack.files.map((f) => f.path).sort();
}

describe('npm tarball', () => {
  const stray = join(ROOT, `stray-${process.pid}.txt`);
  let files: string[];
  beforeAll(() => {
    // A stray file in the working tree (as happened once) must stay out: the tarball is an allowlist.
    writeFileSync(stray, 'not for the package\n');
    try {
      files = packedFiles();
    } finally {
      rmSync(stray, { force: true });
    }
  });

  test('holds only allowlisted files', () => {
    const unexpected = files.filter((f) => !ALLOWED.some(([, re]) => re.test(f)));
    expect(unexpected).toEqual([]);
  });

  test('holds the library, its assembly, docs and every bundled handler', () => {
    for (const f of REQUIRED) expect(files).toContain(f);
    const handlers = readdirSync(join(ROOT, 'src', 'handlers')).filter((f) => f.endsWith('.lambda.ts')).map((f) => f.replace(/\.ts$/, ''));
    expect(handlers.length).toBeGreaterThan(0);
    for (const h of handlers) expect(files).toContain(`assets/handlers/${h}/index.js`);
  });

  test('holds no sources, tests, harness or build outputs', () => {
    expect(files.filter((f) => /^(src|test|harness|scripts|dist|projenrc|rosetta)\/|\.ts$(?<!\.d\.ts)|\.tgz$/.test(f))).toEqual([]);
  });

  test('declares the Node versions it runs on', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.engines?.node).toBe('>= 20.0.0');
  });
});

describe('published API', () => {
  const assembly = JSON.parse(readFileSync(join(ROOT, '.jsii'), 'utf8'));

  test('EmployeeRoster has no public constructor (rosters come from its factories)', () => {
    const roster = assembly.types['support-case-workflow.EmployeeRoster'];
    expect(roster.abstract).toBe(true);
    expect(roster.initializer).toBeUndefined();
  });

  test('every constructor parameter of the public classes is described', () => {
    const undocumented: string[] = [];
    for (const [fqn, type] of Object.entries<any>(assembly.types)) {
      for (const p of type.initializer?.parameters ?? []) {
        if (!p.docs?.summary) undocumented.push(`${fqn}(${p.name})`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  test('lib/ carries no source maps (stack traces name the shipped lib/*.js, not src/*.ts)', () => {
    const withMaps: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.js') && readFileSync(p, 'utf8').includes('sourceMappingURL')) withMaps.push(p);
      }
    };
    walk(join(ROOT, 'lib'));
    expect(withMaps).toEqual([]);
  });
});

describe('scripts/check-python-examples.py (build step package:check-python-examples)', () => {
  function check(readme: string, moduleSource = '"""A module."""\n'): { status: number | null; output: string } {
    const dir = mkdtempSync(join(tmpdir(), 'py-examples-'));
    try {
      writeFileSync(join(dir, 'README.md'), readme);
      execFileSync('mkdir', ['-p', join(dir, 'src', 'pkg')]);
      writeFileSync(join(dir, 'src', 'pkg', '__init__.py'), moduleSource);
      const r = spawnSync('python3', [join(ROOT, 'scripts', 'check-python-examples.py'), dir], { encoding: 'utf8' });
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const good = '# x\n\n```python\nroster = EmployeeRoster.from_employees([ana])\n```\n';

  test('passes valid examples', () => {
    const r = check(good);
    expect(r.output).toContain('1 Python examples compile');
    expect(r.status).toBe(0);
  });

  test('fails on the invalid Python rosetta writes for an untyped struct literal in a README block', () => {
    const r = check('# x\n\n```python\nEmployeeRoster.from_employees([id="emp-001", name="Ana"])\n```\n');
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/README\.md:4: example line 1: SyntaxError/);
  });

  test('fails on an invalid example in a docstring', () => {
    const module = "class A:\n    def roster(self):\n        '''The roster.\n\n        Example::\n\n            EmployeeRoster.from_employees([id=\"e1\"])\n        '''\n";
    const r = check(good, module);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/__init__\.py:7: example line 1: SyntaxError/);
  });

  test('fails when the README has no Python block at all (nothing was checked)', () => {
    expect(check('# x\n').status).toBe(1);
  });
});
