/**
 * Local stand-ins for AWS on loopback: dynalite (DynamoDB), aws-ses-v2-local (SES) and the
 * harness's task-token service (Step Functions' SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat:
 * local/task-tokens.ts), each on a free port. The real AWS SDK v3 clients reach them through the
 * SDK's standard endpoint settings (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SES, AWS_ENDPOINT_URL_SFN).
 */
import type { Server } from 'node:http';
import { nodeProcess } from './local/node-realm';
import { TaskTokens } from './local/task-tokens';
import { listenOnLoopback } from './loopback';
import { tapMessageTags } from './ses-tags';
import type { MessageTag } from '../src/shared/message-tags';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sesServer = require('aws-ses-v2-local').default as (config: { host: string; port: number }) => Promise<Server>;

/** One email as the SES emulator stores it. */
export interface StoredEmail {
  readonly messageId: string;
  readonly from: string;
  readonly replyTo?: string[];
  readonly destination: { readonly to: string[] };
  readonly subject: string;
  readonly body: { readonly text?: string; readonly html?: string };
  readonly at: number;
  /** The message tags it was sent with (the emulator drops them; harness/ses-tags.ts keeps them). */
  readonly tags?: MessageTag[];
}

export interface LocalAws {
  readonly dynamodbEndpoint: string;
  readonly sesEndpoint: string;
  /** The task tokens of callback Tasks, and the Step Functions API that ends them (AWS_ENDPOINT_URL_SFN). */
  readonly taskTokens: TaskTokens;
  /** Environment for AWS SDK clients that should talk to these servers. */
  sdkEnv(endpoints?: { dynamodb?: string; ses?: string }): Record<string, string>;
  emails(): Promise<StoredEmail[]>;
  clearEmails(): Promise<void>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Credentials and region that the local servers accept (they do not check signatures). */
export const LOCAL_SDK_BASE_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

// The harness's own clients run on Node 20 too: keep the SDK's Node-version notice out of the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
nodeProcess.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function startLocalAws(): Promise<LocalAws> {
  const ddb = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const ddbPort = await listenOnLoopback(ddb);
  const ses = await sesServer({ host: HOST, port: 0 });
  // The emulator listens with Node's default backlog: listen again with the largest (see loopback.ts).
  await new Promise((resolve) => ses.close(resolve));
  const sesPort = await listenOnLoopback(ses);
  const dynamodbEndpoint = `http://${HOST}:${ddbPort}`;
  // The SES emulator keeps its store in module state, shared by every server in this process.
  await fetch(`http://${HOST}:${sesPort}/clear-store`, { method: 'POST' });
  const tagsOf = tapMessageTags(ses);
  const sesEndpoint = `http://${HOST}:${sesPort}`;
  const taskTokens = await TaskTokens.start();
  return {
    dynamodbEndpoint,
    sesEndpoint,
    taskTokens,
    sdkEnv: (endpoints = {}) => ({
      ...LOCAL_SDK_BASE_ENV,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb ?? dynamodbEndpoint,
      AWS_ENDPOINT_URL_SES: endpoints.ses ?? sesEndpoint,
      AWS_ENDPOINT_URL_SFN: taskTokens.endpoint,
    }),
    emails: async () => {
      const res = await fetch(`${sesEndpoint}/store`);
      if (!res.ok) throw new Error(`SES emulator /store answered ${res.status}`);
      const { emails } = (await res.json()) as { emails: StoredEmail[] };
      return emails.map((e) => ({ ...e, tags: tagsOf(e.messageId) }));
    },
    clearEmails: async () => {
      const res = await fetch(`${sesEndpoint}/clear-store`, { method: 'POST' });
      if (!res.ok) throw new Error(`SES emulator /clear-store answered ${res.status}`);
    },
    stop: async () => {
      await Promise.all([close(ddb), close(ses), taskTokens.close()]);
    },
  };
}
