/**
 * The demo's cases show the edge cases the README promises (markup, emoji, right-to-left text,
 * no details) in emails, and its template files are read or refused with a one-line reason.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoDetails, readTemplateFile, TemplateFileError } from '../../harness/demo-data';

test('the first eight cases with details hold markup, emoji, right-to-left text and Globex; some have no details', () => {
  const cases = Array.from({ length: 8 }, (_, i) => demoDetails(i));
  const withDetails = cases.filter((d) => d !== undefined).map((d) => JSON.stringify(d));
  expect(cases.some((d) => d === undefined)).toBe(true);
  expect(withDetails.some((d) => d.includes('<b>'))).toBe(true);
  expect(withDetails.some((d) => d.includes('😢'))).toBe(true);
  expect(withDetails.some((d) => /[\u0600-\u06FF]/.test(d))).toBe(true);
  expect(withDetails.some((d) => d.includes('Globex'))).toBe(true);
});

describe('--template FILE', () => {
  const file = (content: string) => {
    const f = join(mkdtempSync(join(tmpdir(), 'demo-data-')), 't.json');
    writeFileSync(f, content);
    return f;
  };

  test('a JSON object with subject, text and html is the template', () => {
    expect(readTemplateFile(file('{"subject": "S {{caseId}}", "html": "<p>{{title}}</p>"}'))).toEqual({ subject: 'S {{caseId}}', html: '<p>{{title}}</p>' });
  });

  test.each([
    ['not JSON', 'subject: x', /--template .*t\.json: /],
    ['an array', '[]', /expected a JSON object/],
    ['an unknown key', '{"subjet": "x"}', /unknown keys subjet \(allowed: subject, text, html\)/],
    ['a part that is not a string', '{"text": 1}', /"text" must be a string/],
  ])('%s is refused with the reason', (_what, content, message) => {
    expect(() => readTemplateFile(file(content))).toThrow(TemplateFileError);
    expect(() => readTemplateFile(file(content))).toThrow(message);
  });
});
