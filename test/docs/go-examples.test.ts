import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// The two scripts behind the Go examples of the Go binding (build steps package:code-only and
// package:check-go-examples), on small inputs. Needs Go, as the build does.
const ROOT = join(__dirname, '..', '..');

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'go-examples-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

describe('scripts/check-go-examples.go', () => {
  let checker: string;
  beforeAll(() => {
    // The tests run before the package step's check: Go is installed here first on a fresh machine (see the script).
    execFileSync('bash', [join(ROOT, 'scripts', 'ensure-go.sh')], { stdio: 'inherit' });
    checker = join(work, 'check-go-examples');
    execFileSync('go', ['build', '-o', checker, join(ROOT, 'scripts', 'check-go-examples.go')], { stdio: 'inherit' });
  }, 300_000);

  // A stand-in for aws-cdk-go (the module path the examples import) and for our generated package.
  const deps = (): string => {
    const dir = join(work, 'deps');
    write(join(dir, 'awscdk', 'go.mod'), 'module github.com/aws/aws-cdk-go/awscdk/v2\n');
    write(join(dir, 'awscdk', 'Stack.go'), 'package awscdk\n\ntype Stack interface {\n\tStackName() *string\n}\n');
    return dir;
  };
  function check(readme: string, doc = '// Package pkg.\n'): { status: number | null; output: string } {
    const dir = mkdtempSync(join(work, 'pkg-'));
    write(join(dir, 'go.mod'), 'module github.com/example/demo-go/pkg\n');
    write(join(dir, 'README.md'), readme);
    write(join(dir, 'pkg.go'), [
      `${doc}package pkg`,
      '',
      'import "github.com/aws/aws-cdk-go/awscdk/v2"',
      '',
      'type Employee struct {',
      '\tId *string',
      '}',
      '',
      'type EmployeeRoster interface{}',
      '',
      'func EmployeeRoster_FromEmployees(employees *[]*Employee) EmployeeRoster { return nil }',
      '',
      'func StackOf(s awscdk.Stack) *string { return s.StackName() }',
      '',
    ].join('\n'));
    const r = spawnSync(checker, ['-deps', deps(), dir], { encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  }
  const block = (...lines: string[]): string => `# demo\n\n\`\`\`go\n${lines.join('\n')}\n\`\`\`\n`;
  const imports = ['import (', '\t"github.com/aws/jsii-runtime-go"', '\t"github.com/example/demo-go/pkg"', ')', ''];

  test('passes correct Go: imports, then the code of a stack\'s constructor', () => {
    const r = check(block(...imports,
      'ana := &pkg.Employee{Id: jsii.String("e1")}',
      'pkg.EmployeeRoster_FromEmployees(&[]*pkg.Employee{ana})',
      'pkg.StackOf(stack)'));
    expect(r.output).toContain('1 Go examples type-check (1 in README.md, 0 in doc comments)');
    expect(r.status).toBe(0);
  });

  test('fails on what rosetta writes: unqualified struct types, []T, a dereferenced class, no /v2', () => {
    const r = check(block(
      'import "github.com/aws/aws-cdk-go/awscdk"',
      'import "github.com/example/demo-go/pkg"',
      '',
      'ana := &Employee{Id: jsii.String("e1")}',
      'roster := *pkg.EmployeeRoster_FromEmployees([]Employee{ana})',
      'awscdk.Duration_Seconds(jsii.Number(5))'));
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/README\.md:4: could not import github\.com\/aws\/aws-cdk-go\/awscdk /);
    expect(r.output).toMatch(/README\.md:7: undeclared name: Employee/);
    expect(r.output).toMatch(/README\.md:7: undeclared name: jsii/);
    expect(r.output).toMatch(/README\.md:8: invalid operation: cannot indirect/);
    expect(r.output).toMatch(/README\.md:8: roster declared but not used/);
  });

  test('fails on a value of the wrong pointer or slice type', () => {
    const r = check(block(...imports,
      'ana := pkg.Employee{Id: jsii.String("e1")}',
      'pkg.EmployeeRoster_FromEmployees(&[]*pkg.Employee{ana})'));
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/README\.md:10: cannot use ana \(variable of type pkg\.Employee\) as \*pkg\.Employee value/);
  });

  test('fails on a syntax error', () => {
    const r = check(block('func NewStack(scope Construct, id *string) *Stack {'));
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/README\.md:4: syntax error/);
  });

  test('checks the examples of the doc comments, which get their imports from the check', () => {
    const readme = block('import "github.com/example/demo-go/pkg"', '', 'pkg.StackOf(stack)');
    const good = check(readme,
      '// Package pkg.\n//\n// Example:\n//   pkg.EmployeeRoster_FromEmployees(&[]*pkg.Employee{{Id: jsii.String("e1")}})\n//\n');
    expect(good.output).toContain('2 Go examples type-check (1 in README.md, 1 in doc comments)');
    const bad = check(readme,
      '// Package pkg.\n//\n// Example:\n//   pkg.EmployeeRoster_FromEmployees([]Employee{})\n//\n');
    expect(bad.status).toBe(1);
    expect(bad.output).toMatch(/pkg\.go:4: undeclared name: Employee/);
  });

  test('fails when the README has no Go block at all (nothing was checked)', () => {
    expect(check('# demo\n').status).toBe(1);
  });
});

describe('scripts/go-translations.mjs', () => {
  const ts = "new SupportCaseWorkflow(this, 'Support', { senderEmail: 'a@example.com' });";
  const hash = createHash('sha256').update(ts).digest('hex').slice(0, 16);
  const snippet = (api: object, field: object) => ({
    translations: { $: { source: ts, version: '0' }, python: { source: 'SupportCaseWorkflow(self, "Support")', version: '2' }, go: { source: 'rosetta', version: '2' } },
    location: { api, field },
    didCompile: true,
  });
  function run(files: Record<string, string>): { status: number | null; output: string; tablet?: any } {
    const dir = mkdtempSync(join(work, 'tr-'));
    write(join(dir, 'in.json'), JSON.stringify({
      version: '2',
      toolVersion: 'x',
      snippets: {
        readme: snippet({ api: 'moduleReadme', moduleFqn: 'demo' }, { field: 'markdown', line: 3 }),
        typeDoc: snippet({ api: 'type', fqn: 'demo.A' }, { field: 'markdown', line: 1 }),
      },
    }));
    mkdirSync(join(dir, 'go'));
    for (const [name, text] of Object.entries(files)) write(join(dir, 'go', name), text);
    const r = spawnSync('node', [join(ROOT, 'scripts', 'go-translations.mjs'), join(dir, 'in.json'), join(dir, 'go'), join(dir, 'out.json')], { encoding: 'utf8' });
    const output = `${r.stdout}${r.stderr}`;
    return r.status === 0 ? { status: 0, output, tablet: JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) } : { status: r.status, output };
  }

  test('replaces the Go of a README snippet only, keeping the other languages', () => {
    const r = run({ 'a.go': `// rosetta-ts-sha256: ${hash}\n\nsupportcaseworkflow.NewSupportCaseWorkflow(stack, nil, nil)\n` });
    expect(r.status).toBe(0);
    expect(Object.keys(r.tablet.snippets)).toEqual(['readme']);
    expect(r.tablet.snippets.readme.translations.go.source).toBe('supportcaseworkflow.NewSupportCaseWorkflow(stack, nil, nil)');
    expect(r.tablet.snippets.readme.translations.python.source).toBe('SupportCaseWorkflow(self, "Support")');
  });

  test('fails on a README snippet without a Go translation, naming the hash to use', () => {
    const r = run({});
    expect(r.status).toBe(1);
    expect(r.output).toContain('No hand-written Go translation for README.md, the TypeScript block at line 3');
    expect(r.output).toContain(`// rosetta-ts-sha256: ${hash}`);
  });

  test('fails on a translation that matches no snippet (the TypeScript changed)', () => {
    const r = run({ 'a.go': `// rosetta-ts-sha256: ${hash}\nx()\n`, 'old.go': '// rosetta-ts-sha256: 0123456789abcdef\ny()\n' });
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/old\.go: matches no TypeScript example/);
  });
});
