/**
 * The demo's employees, with acknowledgement on: they watch the SES emulator's sent emails and,
 * for each round's email, decide by the seeded random whether its recipient acknowledges (with
 * probability `share`) and after what delay (uniform within the round's wait, in scaled time).
 * One who acknowledges does what a person does in a browser: opens the link from the email (GET),
 * reads the page, and submits its form (POST). The others do nothing: their round times out and
 * the case is escalated.
 *
 * A decision depends only on (seed, case, recipient): the same people acknowledge in every run of
 * a seed. Their timing races the time-out as real people's does, so which rounds end how may vary
 * a little between runs.
 */
import { acknowledgeLinks, openPage, pageText, submitForm } from './acknowledge-client';
import type { StoredEmail } from './local-aws';
import { hashedRandom } from './seeded-random';
import { caseIdOfEmail } from './summary';

export interface SimulatedEmployeesOptions {
  /** Share of the emails' recipients who acknowledge (0..1). */
  readonly share: number;
  readonly seed: number;
  /** A round's wait, in seconds of AWS time. */
  readonly escalateAfterSeconds: number;
  readonly timeScale: number;
  /** The acknowledge page's URL. */
  readonly pageUrl: string;
  /** The sent emails (the SES emulator's store). */
  readonly emails: () => Promise<StoredEmail[]>;
  /** How often the inbox is read (real ms). Default 200. */
  readonly pollMs?: number;
}

/** What the simulated employees did. */
export interface EmployeeCounts {
  /** Rounds (case, recipient) whose email they read. */
  rounds: number;
  /** Rounds whose recipient chose to acknowledge. */
  chose: number;
  /** Pages that said the case is now theirs. */
  acknowledged: number;
  /** Pages that said "already acknowledged". */
  already: number;
  /** Pages that refused (the link no longer valid: the round had timed out, say). */
  refused: number;
  /** Answers that were errors (429, 5xx) after retries, or no form on the page. */
  failed: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens the link and presses Acknowledge, as a person would; retries a throttled or failed answer a few times. */
async function acknowledge(link: string, counts: EmployeeCounts): Promise<void> {
  for (let attempt = 1; attempt <= 4; attempt++) {
    const page = await openPage(link).catch(() => undefined);
    if (page && page.status < 500 && page.status !== 429) {
      const form = page.forms.find((f) => f.method === 'post');
      if (!form) {
        if (page.status === 404) counts.refused++;
        else if (/already acknowledged/i.test(pageText(page.html))) counts.already++;
        else counts.failed++;
        return;
      }
      const answer = await submitForm(form).catch(() => undefined);
      if (answer && answer.status < 500 && answer.status !== 429) {
        const text = pageText(answer.html);
        if (answer.status === 404) counts.refused++;
        else if (/already acknowledged/i.test(text)) counts.already++;
        else counts.acknowledged++;
        return;
      }
    }
    await pause(200 * attempt);
  }
  counts.failed++;
}

export class SimulatedEmployees {
  readonly counts: EmployeeCounts = { rounds: 0, chose: 0, acknowledged: 0, already: 0, refused: 0, failed: 0 };
  private readonly seen = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: SimulatedEmployeesOptions) {}

  /** Starts reading the inbox. */
  start(): void {
    const tick = async () => {
      await this.readInbox().catch(() => undefined);
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.options.pollMs ?? 200);
    };
    void tick();
  }

  /** Stops reading the inbox, and waits for the acknowledgements under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.pending]);
  }

  private async readInbox(): Promise<void> {
    const { share, seed, escalateAfterSeconds, timeScale, pageUrl } = this.options;
    for (const email of await this.options.emails()) {
      const caseId = caseIdOfEmail(email);
      const recipient = email.destination.to[0];
      const key = `${caseId}\u0000${recipient}`;
      // One decision per round (a counted resend of the round is the same person's second copy).
      if (caseId === undefined || this.seen.has(key)) continue;
      this.seen.add(key);
      this.counts.rounds++;
      if (hashedRandom(seed, ['acknowledge', caseId, recipient]) >= share) continue;
      const [link] = acknowledgeLinks(email, pageUrl);
      if (!link) continue;
      this.counts.chose++;
      const delayMs = (hashedRandom(seed, ['acknowledge-delay', caseId, recipient]) * escalateAfterSeconds * 1000) / timeScale;
      const done: Promise<void> = pause(delayMs).then(() => acknowledge(link, this.counts)).finally(() => this.pending.delete(done));
      this.pending.add(done);
    }
  }
}
