/**
 * The acknowledge link in a real browser (headless Chromium from Debian's `chromium` package,
 * driven over the DevTools protocol: chromium-pipe.ts): it opens the link from a sent email, the
 * GET changes nothing, the mouse presses Acknowledge, the execution succeeds and the record says
 * so; back on the page (the browser's Back), a second press, or the page itself, says "already
 * acknowledged". Skipped, saying so, where Chromium is not installed (the build does not install it).
 */
import { existsSync } from 'node:fs';
import { employeeByEmail, linkOf, nthEmail, recordOf, startAcknowledgementRun, waiting } from './acknowledgement-helpers';
import { Chromium, CHROMIUM } from './chromium-pipe';
import type { LocalRun } from '../../harness/local-run';
import { CaseStatus } from '../../src/shared/contract';

if (!existsSync(CHROMIUM)) {
  console.warn(`acknowledgement.browser.test: SKIPPED, ${CHROMIUM} not found (apt-get install chromium, or set CHROMIUM_PATH)`);
  test.skip(`the acknowledge link in headless Chromium (SKIPPED: ${CHROMIUM} not found)`, () => undefined);
} else {
  let run: LocalRun;
  let browser: Chromium;
  beforeAll(async () => {
    // A long wait (15 min of AWS time, 45 s real): the browser has all the time it needs.
    run = await startAcknowledgementRun({ escalateAfterSeconds: 900 });
    browser = await Chromium.launch();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await run?.stop();
  });

  test('opening the link changes nothing; pressing Acknowledge ends the execution and the record says so; a second press says "already acknowledged"', async () => {
    const execution = run.workflow.run({ inputCaseID: 'browser-1', details: { title: 'Laptop <b>won\'t</b> boot', customerName: 'Tom & Jerry' } }, 'browser-1');
    const email = await nthEmail(run, 'browser-1', 1);
    const before = await waiting(run, 'browser-1');

    await browser.open(linkOf(run, email));
    const page = await browser.text();
    expect(page).toContain('browser-1');
    expect(page).toContain('Laptop <b>won\'t</b> boot'); // as text, never markup
    expect(await browser.evaluate('document.querySelectorAll("form b, main b").length')).toBe(0);
    expect(await recordOf(run, 'browser-1')).toEqual(before);

    await browser.click('form button');
    expect(await browser.text()).toMatch(/acknowledged/i);
    const outcome = await execution;
    const employee = employeeByEmail(email.destination.to[0])!;
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { acknowledgedBy: employee.id } });
    expect(await recordOf(run, 'browser-1')).toMatchObject({ status: { S: CaseStatus.ACKNOWLEDGED }, acknowledgedBy: { S: employee.id } });

    // The browser's Back button: the page again (no-store: fetched again), and a second press if it still has the form.
    const { currentIndex, entries } = await browser.send('Page.getNavigationHistory');
    await browser.navigate(() => browser.send('Page.navigateToHistoryEntry', { entryId: entries[currentIndex - 1].id }));
    if (await browser.evaluate('document.querySelector("form button") !== null')) await browser.click('form button');
    expect(await browser.text()).toMatch(/already acknowledged/i);
    expect(run.workflow.taskTokens.calls.filter((c) => c.action === 'SendTaskSuccess')).toHaveLength(1);
  }, 120_000);
}
