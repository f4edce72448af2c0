/**
 * The packages bundled into the Lambda assets are run-time code, but dev dependencies of this
 * project, so `npm audit` of the project says nothing about what actually runs. This records them
 * and audits them:
 *  1. reads esbuild's metafile of each bundle (`assets/**\/index.meta.json`) for the files that went
 *     in, and the version of the package each came from;
 *  2. writes `assets/bundled-packages.json` (shipped in the npm package: what each asset holds);
 *  3. runs `npm audit --package-lock-only` on a lockfile of exactly those packages, in a temporary
 *     folder: the registry's advisories for those versions. High or critical advisories fail the
 *     build; where the registry does not answer the audit request, it says so and the build goes on.
 * Run by the projen task `audit:bundles` (after `bundle`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A package as it lies in node_modules: its path there (nesting kept) and its version. */
export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  /** `node_modules/a` or `node_modules/a/node_modules/b`, as in a lockfile. */
  readonly lockPath: string;
}

/** The package folder (`node_modules/...`, nesting kept) a bundled file came from, or undefined for the project's own files. */
export function packageFolderOf(input: string): string | undefined {
  const parts = input.split('/');
  let end = -1;
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] !== 'node_modules') continue;
    end = i + (parts[i + 1]?.startsWith('@') ? 2 : 1);
  }
  if (end < 0) return undefined;
  const first = parts.indexOf('node_modules');
  return parts.slice(first, end + 1).join('/');
}

/** The packages of a bundle's inputs; `versionOf` reads a package folder's version. */
export function bundledPackages(inputs: readonly string[], versionOf: (folder: string) => { name: string; version: string }): BundledPackage[] {
  const folders = [...new Set(inputs.map(packageFolderOf).filter((f): f is string => f !== undefined))].sort();
  return folders.map((lockPath) => ({ ...versionOf(lockPath), lockPath }));
}

/** A lockfile (v3) holding exactly `packages`, for `npm audit --package-lock-only`. */
export function auditLockfile(packages: readonly BundledPackage[]): { packageJson: object; lockfile: object } {
  const top = packages.filter((p) => p.lockPath.split('node_modules').length === 2);
  const dependencies = Object.fromEntries(top.map((p) => [p.name, p.version]));
  const root = { name: 'bundled-packages-audit', version: '0.0.0', private: true, dependencies };
  return {
    packageJson: root,
    lockfile: {
      name: root.name,
      version: root.version,
      lockfileVersion: 3,
      requires: true,
      packages: { '': root, ...Object.fromEntries(packages.map((p) => [p.lockPath, { name: p.name, version: p.version }])) },
    },
  };
}

/** What `npm audit --json` answered, as the build reports it. */
export interface AuditVerdict {
  readonly status: 'clean' | 'advisories' | 'unavailable';
  /** True when the build must stop (high or critical advisories). */
  readonly fail: boolean;
  readonly lines: string[];
}

const FAILING = new Set(['high', 'critical']);

/** Reads `npm audit --json`'s answer (an audit report, or the registry's refusal). */
export function auditVerdict(json: string, packageCount: number): AuditVerdict {
  let answer: any;
  try {
    answer = JSON.parse(json);
  } catch {
    answer = undefined;
  }
  if (!answer || typeof answer.vulnerabilities !== 'object') {
    const why = answer?.message ?? answer?.error?.summary ?? 'no audit report';
    return {
      status: 'unavailable',
      fail: false,
      lines: [
        `audit:bundles: the registry did not answer the audit request (${why}).`,
        `  The ${packageCount} bundled packages are NOT checked against advisories here; their versions are in assets/bundled-packages.json.`,
        '  Run `npx projen audit:bundles` on a machine whose registry answers `npm audit`.',
      ],
    };
  }
  const found = Object.values<any>(answer.vulnerabilities)
    .map((v) => ({ name: v.name as string, severity: v.severity as string, range: v.range as string }));
  if (found.length === 0) return { status: 'clean', fail: false, lines: [`audit:bundles: ${packageCount} bundled packages, no known advisory.`] };
  return {
    status: 'advisories',
    fail: found.some((v) => FAILING.has(v.severity)),
    lines: [
      `audit:bundles: advisories for bundled packages (${found.length}); high and critical ones fail the build:`,
      ...found.map((v) => `  - ${v.name} (${v.severity}) ${v.range}`),
    ],
  };
}

function bundleMetafiles(assetsDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'index.meta.json') found.push(path);
    }
  };
  if (existsSync(assetsDir)) walk(assetsDir);
  return found.sort();
}

function main(): void {
  const assetsDir = 'assets';
  const metafiles = bundleMetafiles(assetsDir);
  if (metafiles.length === 0) throw new Error('audit:bundles: no esbuild metafile under assets/: run `npx projen bundle` first');
  const versionOf = (folder: string) => {
    const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    return { name: pkg.name as string, version: pkg.version as string };
  };
  const byAsset: Record<string, string[]> = {};
  const all = new Map<string, BundledPackage>();
  for (const file of metafiles) {
    const packages = bundledPackages(Object.keys(JSON.parse(readFileSync(file, 'utf8')).inputs), versionOf);
    byAsset[file.slice(assetsDir.length + 1, -'/index.meta.json'.length)] = packages.map((p) => `${p.name}@${p.version}`);
    for (const p of packages) all.set(p.lockPath, p);
  }
  writeFileSync(join(assetsDir, 'bundled-packages.json'), JSON.stringify(byAsset, null, 2) + '\n');

  const work = mkdtempSync(join(tmpdir(), 'bundle-audit-'));
  try {
    const { packageJson, lockfile } = auditLockfile([...all.values()]);
    writeFileSync(join(work, 'package.json'), JSON.stringify(packageJson));
    writeFileSync(join(work, 'package-lock.json'), JSON.stringify(lockfile));
    let out: string;
    try {
      out = execFileSync('npm', ['audit', '--package-lock-only', '--json'], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
    } catch (err) {
      out = (err as { stdout?: string }).stdout ?? ''; // npm audit exits 1 when it finds advisories
    }
    const verdict = auditVerdict(out, all.size);
    for (const line of verdict.lines) (verdict.status === 'clean' ? console.log : console.warn)(line);
    if (verdict.fail) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) main();
