/**
 * The message tags of the emails the SES emulator accepts.
 *
 * aws-ses-v2-local stores an email's id, addresses, subject and bodies, but not the message tags
 * of a SES v1 `SendEmail` (its store has no field for them). The Send Email handler names the
 * case in a tag (src/shared/message-tags.ts), so the harness tells an email's case from what
 * identifies it, not from wording the team's templates may change. The emulator runs in this
 * process: a listener on its server reads each request as the emulator parsed it and its answer,
 * and files the tags under the MessageId (whatever a fault proxy in front does to the answer
 * afterwards). No extra hop: requests reach the emulator as before.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { MessageTag } from '../src/shared/message-tags';

/** The message tags of a SES request: v1 query form (`Tags.member.N.Name` / `.Value`) or v2 JSON (`EmailTags`). */
export function requestTags(params: Record<string, unknown> | URLSearchParams): MessageTag[] {
  const get = (key: string): unknown => (params instanceof URLSearchParams ? params.get(key) ?? undefined : params[key]);
  const v2 = get('EmailTags');
  if (Array.isArray(v2)) return v2.filter((t) => typeof t?.Name === 'string' && typeof t?.Value === 'string');
  const tags: MessageTag[] = [];
  for (let n = 1; typeof get(`Tags.member.${n}.Name`) === 'string'; n++) {
    tags.push({ Name: String(get(`Tags.member.${n}.Name`)), Value: String(get(`Tags.member.${n}.Value`) ?? '') });
  }
  return tags;
}

/** The message tags of a raw request body (SES v1 query form or v2 JSON). */
export function requestTagsOfBody(body: string): MessageTag[] {
  if (!body.startsWith('{')) return requestTags(new URLSearchParams(body));
  try {
    return requestTags(JSON.parse(body));
  } catch {
    return [];
  }
}

/** The MessageId of a SendEmail answer (v1 XML or v2 JSON). */
function answeredMessageId(answer: string): string | undefined {
  return /<MessageId>([^<]+)<\/MessageId>/.exec(answer)?.[1] ?? /"MessageId"\s*:\s*"([^"]+)"/.exec(answer)?.[1];
}

/** Watches the emulator's server; returns the tags an accepted email was sent with, by MessageId. */
export function tapMessageTags(server: Server): (messageId: string) => MessageTag[] | undefined {
  const tagsById = new Map<string, MessageTag[]>();
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown): void => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const { write, end } = res;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk);
      return (write as (...a: unknown[]) => boolean).call(res, chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      keep(chunk);
      return (end as (...a: unknown[]) => ServerResponse).call(res, chunk, ...rest);
    }) as typeof res.end;
    res.on('finish', () => {
      // The emulator's express body parsers have filled req.body by now (form or JSON).
      const body = (req as IncomingMessage & { body?: Record<string, unknown> }).body;
      const tags = body && typeof body === 'object' ? requestTags(body) : [];
      const messageId = tags.length > 0 ? answeredMessageId(Buffer.concat(chunks).toString('utf8')) : undefined;
      if (messageId) tagsById.set(messageId, tags);
    });
  });
  return (messageId) => tagsById.get(messageId);
}
