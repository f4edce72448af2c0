/**
 * When to stop a long-running harness tool (the demo with `--keep`): Ctrl+C, SIGTERM or SIGHUP
 * to this process, or the process that launched it going away.
 *
 * The last case matters because `npx projen demo` is a chain of processes (npm exec -> sh ->
 * projen -> ts-node): a SIGTERM to the npx process ends npm and sh but not projen (blocked in a
 * synchronous spawn) nor this process, which would keep the servers up for good. So the chain of
 * ancestors is watched: when one of them exits, this process is re-parented and the chain changes.
 */
import { readFileSync } from 'node:fs';

/** Parent pid of `pid`, from /proc (Linux); undefined when unavailable. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** The pids from this process's parent up to (not including) init, or just the parent without /proc. */
export function ancestorChain(): number[] {
  const chain: number[] = [];
  let pid = process.pid;
  for (let depth = 0; depth < 64; depth++) {
    const ppid = parentOf(pid);
    if (ppid === undefined) break;
    if (ppid <= 1) return chain;
    chain.push(ppid);
    pid = ppid;
  }
  return chain.length > 0 ? chain : [process.ppid];
}

export type StopReason = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'launcher exited';

/**
 * Calls `onStop` once per stop request (a signal, or an ancestor process exiting). Returns a
 * function that stops listening. The watch timer does not keep the process alive.
 */
export function onStopRequest(onStop: (reason: StopReason) => void, pollMs = 500): () => void {
  const signals: Array<Exclude<StopReason, 'launcher exited'>> = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handlers = signals.map((s) => {
    const h = (): void => onStop(s);
    process.on(s, h);
    return [s, h] as const;
  });
  const initial = ancestorChain().join(' ');
  let launcherGone = false;
  const timer = setInterval(() => {
    if (!launcherGone && ancestorChain().join(' ') !== initial) {
      launcherGone = true;
      onStop('launcher exited');
    }
  }, pollMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    for (const [s, h] of handlers) process.off(s, h);
  };
}
