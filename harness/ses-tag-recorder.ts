/**
 * A pass-through front for the SES emulator that remembers each accepted email's message tags.
 *
 * aws-ses-v2-local stores an email's id, addresses, subject and bodies, but not the message tags
 * of a SES v1 `SendEmail` (its store has no field for them). The Send Email handler names the
 * case in a tag (src/shared/message-tags.ts), so the harness tells an email's case from what
 * identifies it, not from wording the team's templates may change. Every request is forwarded
 * unchanged; for a `SendEmail`, the tags of the request are filed under the MessageId of the
 * emulator's answer (whatever a fault proxy in front of this does to the answer afterwards).
 */
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { MessageTag } from '../src/shared/message-tags';

export interface SesTagRecorder {
  readonly endpoint: string;
  /** The tags the email with this MessageId was sent with (undefined: none recorded). */
  tagsOf(messageId: string): MessageTag[] | undefined;
  stop(): Promise<void>;
}

/** The message tags of a SES v1 query-form request (`Tags.member.N.Name` / `.Value`), or of a v2 JSON one. */
export function requestTags(body: string): MessageTag[] {
  if (body.startsWith('{')) {
    try {
      return (JSON.parse(body)?.EmailTags ?? []) as MessageTag[];
    } catch {
      return [];
    }
  }
  const params = new URLSearchParams(body);
  const tags: MessageTag[] = [];
  for (let n = 1; params.has(`Tags.member.${n}.Name`); n++) {
    tags.push({ Name: params.get(`Tags.member.${n}.Name`)!, Value: params.get(`Tags.member.${n}.Value`) ?? '' });
  }
  return tags;
}

/** The MessageId of a SendEmail answer (v1 XML or v2 JSON). */
function answeredMessageId(answer: string): string | undefined {
  return /<MessageId>([^<]+)<\/MessageId>/.exec(answer)?.[1] ?? /"MessageId"\s*:\s*"([^"]+)"/.exec(answer)?.[1];
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export async function startSesTagRecorder(target: string): Promise<SesTagRecorder> {
  const upstream = new URL(target);
  const tagsById = new Map<string, MessageTag[]>();
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readAll(req);
      const options = { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers };
      const forwarded = http.request(options, async (answer) => {
        const answerBody = await readAll(answer);
        const tags = requestTags(body.toString('utf8'));
        const messageId = tags.length > 0 ? answeredMessageId(answerBody.toString('utf8')) : undefined;
        if (messageId) tagsById.set(messageId, tags);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(answerBody);
      });
      forwarded.on('error', () => res.destroy());
      forwarded.end(body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, upstream.hostname, () => resolve());
  });
  return {
    endpoint: `http://${upstream.hostname}:${(server.address() as AddressInfo).port}`,
    tagsOf: (messageId) => tagsById.get(messageId),
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
