/**
 * What the demo sends through the workflow: its cases (with the edge cases it promises to show)
 * and, with `--template FILE`, the team's own email template.
 */
import { readFileSync } from 'node:fs';
import type { EmailTemplate } from '../src';

const TITLES = ['Cannot log in after password reset', 'Invoice shows <b>twice</b> the amount', 'Export to CSV is empty', 'App crashes on start 😢'];
const CUSTOMERS = ['ACME Corp.', 'Müller & Söhne', 'شركة النور', 'Globex'];

/**
 * The details of the i-th case (0-based) in the execution input. Every fifth case has none, as
 * the tutorial's input; the others cycle through titles and customers on a different period, so
 * that the markup and emoji titles, the right-to-left customer name and Globex all reach emails
 * within the first eight cases.
 */
export function demoDetails(i: number): Record<string, string> | undefined {
  if (i % 5 === 4) return undefined;
  return {
    title: TITLES[i % TITLES.length],
    priority: ['P1', 'P2', 'P3'][i % 3],
    customerName: CUSTOMERS[i % CUSTOMERS.length],
    link: `https://tickets.example.com/cases/${i + 1}?view=full&tab=history`,
  };
}

/** A template file the demo cannot use: reported with the usage, no stack trace. */
export class TemplateFileError extends Error {}

const PARTS = ['subject', 'text', 'html'] as const;

/**
 * Reads `--template FILE`: a JSON object with any of `subject`, `text` and `html` (strings, the
 * construct's `emailTemplate` prop as written in TypeScript); a part left out keeps the default.
 * Placeholders are checked by the construct when the demo synthesizes the app.
 */
export function readTemplateFile(file: string): EmailTemplate {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TemplateFileError(`--template ${file}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TemplateFileError(`--template ${file}: expected a JSON object such as {"subject": "...", "text": "...", "html": "..."}`);
  }
  const unknown = Object.keys(parsed).filter((k) => !(PARTS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new TemplateFileError(`--template ${file}: unknown keys ${unknown.join(', ')} (allowed: ${PARTS.join(', ')})`);
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new TemplateFileError(`--template ${file}: "${key}" must be a string`);
  }
  return parsed as EmailTemplate;
}
