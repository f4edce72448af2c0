/**
 * The command line shared by the README generators (`npx projen diagram`, `npx projen dashboard`):
 * print the generated section, or write it between its markers (`--write`), or check that the
 * README holds it as generated (`--check`); `--readme PATH` names another README. Also where a
 * section's markers are in a README.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const README_PATH = join(__dirname, '..', 'README.md');

export interface ReadmeSection {
  /** What the section is, for messages ("workflow diagram"). */
  readonly what: string;
  /** The command that regenerates it, for the out-of-date message. */
  readonly updateCommand: string;
  /** The generated text. */
  generate(): string;
  /** The README with the generated text between the section's markers. */
  render(readme: string, text: string): string;
}

/**
 * Where a section's markers are in `readme`. Throws unless each marker is there once, start
 * before end.
 */
export function markerPositions(readme: string, startMarker: string, endMarker: string): { start: number; end: number } {
  const start = readme.indexOf(startMarker);
  const end = readme.indexOf(endMarker);
  const once = (marker: string, at: number) => at >= 0 && readme.indexOf(marker, at + marker.length) < 0;
  if (!once(startMarker, start) || !once(endMarker, end) || end < start) {
    throw new Error(`the README must hold the markers ${startMarker} and ${endMarker}, once each and in that order`);
  }
  return { start, end };
}

export function readmeSectionCli(section: ReadmeSection, args: string[]): number {
  const readmeAt = args.indexOf('--readme');
  const readmePath = readmeAt >= 0 ? args[readmeAt + 1] : README_PATH;
  const text = section.generate();
  if (!args.includes('--write') && !args.includes('--check')) {
    process.stdout.write(text);
    return 0;
  }
  const readme = readFileSync(readmePath, 'utf8');
  const updated = section.render(readme, text);
  if (args.includes('--check')) {
    if (updated !== readme) {
      process.stderr.write(`${readmePath}: the ${section.what} is out of date; run \`${section.updateCommand}\`\n`);
      return 1;
    }
    process.stdout.write(`${readmePath}: the ${section.what} is up to date\n`);
    return 0;
  }
  if (updated !== readme) writeFileSync(readmePath, updated);
  process.stdout.write(`${readmePath}: ${section.what} ${updated === readme ? 'already up to date' : 'updated'}\n`);
  return 0;
}

/** Runs the CLI when `module` is the program's entry point. */
export function runIfMain(module: NodeJS.Module, section: ReadmeSection): void {
  if (require.main !== module) return;
  try {
    process.exitCode = readmeSectionCli(section, process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
