/**
 * Wait and Pass states written in JSONata (`"QueryLanguage": "JSONata"`), played locally: aws-local-stepfunctions
 * 3.0.0 runs JSONPath only. Each such Wait becomes a Task of the same name bound to a handler of
 * the harness that evaluates the state's JSONata as Step Functions does — `$states.input`, and
 * Step Functions' `$parse` (JSON text to a value) — with the `jsonata` library, waits until its
 * `Timestamp` (or for its `Seconds`), and returns its `Output` (default: the state's input, as a
 * Wait passes it on).
 *
 * Time: a `Timestamp` is an instant, and the handlers compute theirs from the real clock (their
 * durations come scaled in their environment), so it is waited for as is, with its milliseconds
 * truncated as Step Functions does — to the second of AWS time, that is 1/F real seconds at time
 * scale F; `Seconds` are scaled.
 * Entering the Task is one state entered, as the Wait is on AWS (one transition).
 *
 * A JSONata Pass state becomes such a Task too: it returns its `Output` evaluated (default: its
 * input), at once. (Its `Assign`, variables, is not played: the harness refuses it.)
 */
import jsonata from 'jsonata';

type Json = any;

/** The Resource of a rewritten Wait: a function ARN that no template has (the harness binds it by state name). */
const JSONATA_WAIT_RESOURCE = 'arn:aws:lambda:us-east-1:000000000000:function:harness-jsonata-wait';

/** `{% expression %}` → the expression, or undefined for a literal. */
function expressionOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\{%([\s\S]*)%\}$/.exec(value.trim());
  return m ? m[1] : undefined;
}

async function evaluate(value: unknown, input: Json): Promise<unknown> {
  const source = expressionOf(value);
  if (source === undefined) return value;
  const expr = jsonata(source);
  expr.registerFunction('parse', (text: string) => JSON.parse(text), '<s:x>');
  return expr.evaluate(input, { states: { input } });
}

export interface JsonataWaits {
  /** The definition with every JSONata Wait of its top level turned into a Task. */
  readonly definition: Json;
  /** Per rewritten state, its handler. */
  readonly handlers: Record<string, (input: Json) => Promise<Json>>;
}

/**
 * Rewrites the JSONata Wait states of `definition` (top level; the workflow has no branches).
 * `timeScale` scales `Seconds`; `sleep` waits real milliseconds (default: a timer).
 */
export function emulateJsonataWaits(
  definition: Json, timeScale: number, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): JsonataWaits {
  const rewritten = JSON.parse(JSON.stringify(definition));
  const handlers: JsonataWaits['handlers'] = {};
  for (const [name, state] of Object.entries<Json>(rewritten.States ?? {})) {
    if ((state.Type !== 'Wait' && state.Type !== 'Pass') || state.QueryLanguage !== 'JSONata') continue;
    const original = state;
    if (original.Assign !== undefined) throw new Error(`${name}: JSONata Assign is not played locally`);
    rewritten.States[name] = {
      Type: 'Task',
      Resource: JSONATA_WAIT_RESOURCE,
      ...(original.Comment ? { Comment: original.Comment } : {}),
      ...(original.End ? { End: true } : { Next: original.Next }),
    };
    if (original.Type === 'Pass') {
      handlers[name] = async (input) => (original.Output === undefined ? input : evaluate(original.Output, input));
      continue;
    }
    handlers[name] = async (input) => {
      let ms = 0;
      if (original.Timestamp !== undefined) {
        const resolutionMs = 1000 / timeScale;
        const at = Math.floor(Date.parse(String(await evaluate(original.Timestamp, input))) / resolutionMs) * resolutionMs;
        if (Number.isNaN(at)) throw Object.assign(new Error(`${name}: Timestamp is not a timestamp`), { name: 'States.QueryEvaluationError' });
        ms = at - Date.now();
      } else if (original.Seconds !== undefined) {
        ms = (Number(await evaluate(original.Seconds, input)) * 1000) / timeScale;
      }
      if (ms > 0) await sleep(Math.min(ms, 2 ** 31 - 1));
      return original.Output === undefined ? input : evaluate(original.Output, input);
    };
  }
  return { definition: rewritten, handlers };
}
