/**
 * A real browser for the end-to-end tests: headless Chromium driven over the DevTools protocol
 * through `--remote-debugging-pipe` (JSON messages ending in NUL on file descriptors 3 and 4: no
 * WebSocket, no extra package). Enough to open a page, read it, and click an element with the
 * mouse as a person would.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

type Json = any;

export class Chromium {
  static async launch(): Promise<Chromium> {
    const profile = mkdtempSync(join(tmpdir(), 'chromium-'));
    const child = spawn(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', `--user-data-dir=${profile}`,
      '--remote-debugging-pipe', '--no-first-run', 'about:blank',
    ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    child.stderr!.resume();
    return new Chromium(child, profile);
  }

  private nextId = 0;
  private readonly replies = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((message: Json) => void)[] = [];
  private sessionId?: string;

  private constructor(private readonly child: ChildProcess, private readonly profile: string) {
    let buffer = '';
    (child.stdio[4] as Readable).on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        const reply = message.id !== undefined ? this.replies.get(message.id) : undefined;
        if (reply) {
          this.replies.delete(message.id);
          if (message.error) reply.reject(new Error(`${message.error.message} (${message.error.code})`));
          else reply.resolve(message.result);
        }
        for (const listener of [...this.listeners]) listener(message);
      }
    });
  }

  /** Sends a DevTools command (to the page, once one is open). */
  send(method: string, params: Json = {}, toBrowser = false): Promise<Json> {
    const id = ++this.nextId;
    const message = { id, method, params, ...(this.sessionId && !toBrowser ? { sessionId: this.sessionId } : {}) };
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      (this.child.stdio[3] as Writable).write(JSON.stringify(message) + '\0');
    });
  }

  /** Resolves on the next event of this name. */
  once(method: string, timeoutMs = 30_000): Promise<Json> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      const listener = (message: Json) => {
        if (message.method !== method) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(message.params);
      };
      this.listeners.push(listener);
    });
  }

  /** Opens a page at `url` and waits for it to load. */
  async open(url: string): Promise<void> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' }, true);
    ({ sessionId: this.sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true }, true));
    await this.send('Page.enable');
    await this.navigate(() => this.send('Page.navigate', { url }));
  }

  /**
   * Runs `action` and waits for the page it leads to: loaded, or restored from the back/forward
   * cache (which fires no load event).
   */
  async navigate(action: () => Promise<unknown>): Promise<void> {
    const navigated = this.once('Page.frameNavigated');
    await action();
    await navigated;
    const deadline = Date.now() + 10_000;
    while ((await this.evaluate('document.readyState').catch(() => 'loading')) !== 'complete') {
      if (Date.now() > deadline) throw new Error('the page did not finish loading');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Evaluates an expression in the page (read-only use: the page's text, an element's box). */
  async evaluate(expression: string): Promise<Json> {
    const { result, exceptionDetails } = await this.send('Runtime.evaluate', { expression, returnByValue: true });
    if (exceptionDetails) throw new Error(`evaluate failed: ${JSON.stringify(exceptionDetails)}`);
    return result.value;
  }

  /** The page's visible text. */
  text(): Promise<string> {
    return this.evaluate('document.body.innerText');
  }

  /** Clicks the element with the mouse (press and release at its centre), and waits for the page that loads. */
  async click(selector: string): Promise<void> {
    const box = await this.evaluate(`(() => { const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();`
      + ' return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()');
    await this.navigate(async () => {
      await this.send('Input.dispatchMouseEvent', { type: 'mousePressed', x: box.x, y: box.y, button: 'left', clickCount: 1 });
      await this.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x: box.x, y: box.y, button: 'left', clickCount: 1 });
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.send('Browser.close', {}, true).catch(() => undefined);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    for (const stream of this.child.stdio) stream?.destroy();
    rmSync(this.profile, { recursive: true, force: true });
  }
}
