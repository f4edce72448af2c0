/**
 * The HTML body of an emailed case, rendered by a real browser (headless Chromium from
 * Debian's `chromium` package): hostile case details show up as text, never as markup.
 * Skipped, saying so, where Chromium is not installed (the build does not install it).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { synthExample } from '../../harness/example-app';
import { startLocalRun } from '../../harness/local-run';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What the page saw: the elements of the email and its visible text. */
interface Rendered {
  readonly tags: string[];
  readonly text: string;
  readonly links: string[];
  readonly ran: boolean;
}

/** Renders `html` in headless Chromium; a script of ours (not of the email) reports what the DOM holds. */
async function renderInChromium(html: string): Promise<Rendered> {
  const dir = mkdtempSync(join(tmpdir(), 'email-render-'));
  try {
    const page = join(dir, 'email.html');
    writeFileSync(page, [
      '<!doctype html><html><head><meta charset="utf-8"></head><body>',
      `<div id="email">${html}</div>`,
      '<script>',
      'const email = document.getElementById("email");',
      'const result = { tags: [...email.querySelectorAll("*")].map((e) => e.tagName), text: email.innerText,',
      '  links: [...email.querySelectorAll("a")].map((a) => a.href), ran: window.injected === true };',
      'const bytes = new TextEncoder().encode(JSON.stringify(result));',
      'document.body.setAttribute("data-result", btoa(String.fromCharCode(...bytes)));',
      '</script></body></html>',
    ].join('\n'));
    const { stdout } = await promisify(execFile)(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', `--user-data-dir=${join(dir, 'profile')}`,
      '--dump-dom', `file://${page}`,
    ], { timeout: 90_000, maxBuffer: 10 * 1024 * 1024 });
    const encoded = /data-result="([A-Za-z0-9+/=]+)"/.exec(stdout)?.[1];
    if (!encoded) throw new Error(`no result in Chromium's DOM:\n${stdout.slice(0, 2000)}`);
    return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Rendered;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!existsSync(CHROMIUM)) {
  console.warn(`email-html.browser.test: SKIPPED, ${CHROMIUM} not found (apt-get install chromium, or set CHROMIUM_PATH)`);
  test.skip(`the HTML body renders case data as text in headless Chromium (SKIPPED: ${CHROMIUM} not found)`, () => undefined);
} else {
  test('the HTML body renders case data as text in headless Chromium, not as markup', async () => {
    const hostile = '<img src=x onerror="window.injected=true"><script>window.injected=true</script><b>bold?</b>';
    const run = await startLocalRun({ synthesized: synthExample() });
    let html: string;
    try {
      const outcome = await run.workflow.run({
        inputCaseID: '301',
        details: { title: hostile, customerName: 'Tom & "Jerry" \u202Eevil', link: 'https://tickets.example.com/301?a=1&b="2"' },
      });
      expect(outcome.status).toBe('SUCCEEDED');
      const [email] = await run.aws.emails();
      html = email.body.html!;
    } finally {
      await run.stop();
    }

    const rendered = await renderInChromium(html);
    // Only the template's own elements: nothing from the case data.
    expect(rendered.tags).toEqual(['P', 'P', 'STRONG', 'BLOCKQUOTE', 'P', 'P', 'A', 'P', 'SMALL']);
    expect(rendered.ran).toBe(false);
    // The data is there, as the characters the customer typed.
    expect(rendered.text).toContain(hostile);
    expect(rendered.text).toContain('Customer: Tom & "Jerry" evil');
    expect(rendered.links).toEqual(['https://tickets.example.com/301?a=1&b=%222%22']);
  }, 180_000);
}
