/**
 * The roster as the functions that choose employees read it (Assign Case, Escalate Case): fixed,
 * from the configuration file `CONFIG_FILES.ASSIGN_CASE` shipped with the function, or kept in a
 * DynamoDB table (`ROSTER_TABLE_NAME`; inactive employees left out), read with a short cache
 * (`ROSTER_CACHE_SECONDS`) so that people can be added or removed without a deployment. An empty
 * or unreadable roster fails with `RosterUnavailable`; there is no silent default.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { parseRoster, rosterFromItems } from './case-assignment.lambda-shared';
import { readConfigFile } from './config-file.lambda-shared';
import { isTransientAwsError, rethrowAwsError, RosterUnavailableError } from './errors.lambda-shared';
import { REQUEST_TIMEOUTS } from './request-timeouts.lambda-shared';
import { CONFIG_FILES, ENV, RosterEmployee } from '../shared/contract';

/** The roster table's client (the case table's lives in the case-table module). */
const rosterClient = new DynamoDBClient({ requestHandler: REQUEST_TIMEOUTS });

const DEFAULT_ROSTER_CACHE_SECONDS = 60;
let cached: { employees: RosterEmployee[]; until: number } | undefined;

async function scanRoster(tableName: string, abortSignal: AbortSignal): Promise<RosterEmployee[]> {
  const items = [];
  let ExclusiveStartKey: Record<string, any> | undefined;
  try {
    do {
      const page = await rosterClient.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }), { abortSignal });
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  } catch (err) {
    if (isTransientAwsError(err)) return rethrowAwsError(err, 'reading the roster table');
    throw new RosterUnavailableError(`the roster table ${tableName} cannot be read: ${(err as Error).name}`, err);
  }
  return rosterFromItems(items);
}

/** The roster: fixed (parsed once) or read from its table (cached for ROSTER_CACHE_SECONDS). */
export async function loadRoster(now: number, abortSignal: AbortSignal): Promise<RosterEmployee[]> {
  if (cached && now < cached.until) return cached.employees;
  const rosterTable = process.env[ENV.ROSTER_TABLE_NAME];
  if (!rosterTable) {
    cached = { employees: parseRoster(readConfigFile(CONFIG_FILES.ASSIGN_CASE).roster), until: Infinity };
    return cached.employees;
  }
  const ttl = Number(process.env[ENV.ROSTER_CACHE_SECONDS] ?? DEFAULT_ROSTER_CACHE_SECONDS);
  const employees = await scanRoster(rosterTable, abortSignal);
  cached = { employees, until: now + (Number.isFinite(ttl) && ttl >= 0 ? ttl : DEFAULT_ROSTER_CACHE_SECONDS) * 1000 };
  return employees;
}
