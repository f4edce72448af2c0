/**
 * The README's table of the dashboard, generated from the dashboard the construct synthesizes
 * (the example stack of `harness/example-app.ts`), so that the table cannot drift from the code.
 *
 *   ts-node harness/dashboard.ts            prints the Markdown table
 *   ts-node harness/dashboard.ts --write    writes it into README.md (between the markers)
 *   ts-node harness/dashboard.ts --check    exits 1 if README.md's table is not the generated one
 *
 * (Run ts-node as `ts-node --project tsconfig.dev.json --transpile-only`; the projen task
 * `dashboard` does.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnTemplate, synthExample } from './example-app';
import { markerPositions, runIfMain } from './readme-section';

export const DASHBOARD_START_MARKER = '<!-- dashboard-widgets:start -->';
export const DASHBOARD_END_MARKER = '<!-- dashboard-widgets:end -->';
export const DASHBOARD_UPDATE_COMMAND = 'npx projen dashboard';

type Json = any;

/**
 * The dashboard body of a template (its one `AWS::CloudWatch::Dashboard`), parsed, with every
 * CloudFormation token (ARNs, names of resources) replaced by `<LogicalId>`.
 */
export function dashboardBodyOf(template: CfnTemplate): { body: Json; resources: CfnTemplate['Resources'] } {
  const dashboards = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  if (dashboards.length !== 1) throw new Error(`expected one AWS::CloudWatch::Dashboard, found ${dashboards.length}`);
  const raw = dashboards[0].Properties.DashboardBody;
  const parts: Json[] = typeof raw === 'string' ? [raw] : raw['Fn::Join'][1];
  const text = parts.map((p) => (typeof p === 'string' ? p : `<${p.Ref ?? p['Fn::GetAtt']?.[0] ?? 'token'}>`)).join('');
  return { body: JSON.parse(text), resources: template.Resources };
}

/** A table cell: no line breaks or pipes. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

/** One metric of a graph widget, in words: its label, what it is and its statistic. */
function describeMetric(metric: Json[]): string {
  const last = metric[metric.length - 1];
  const options = last && typeof last === 'object' && !Array.isArray(last) ? last : {};
  if (options.expression) {
    const search = /^SEARCH\('\{([^}]*)\}\s+MetricName="([^"]+)"[^']*',\s*'([^']+)'/.exec(options.expression);
    if (search) {
      const [namespace, ...dims] = search[1].split(',');
      return `one line per ${dims[dims.length - 1]}: \`${namespace}\` \`${search[2]}\` (${search[3]})`;
    }
    return `${options.label ? `${options.label}: ` : ''}\`${options.expression}\``;
  }
  const strings = metric.filter((m) => typeof m === 'string');
  const [namespace, name] = strings[0] === '.' ? ['', ''] : strings;
  const dims: string[] = [];
  for (let i = 2; i + 1 < strings.length; i += 2) dims.push(strings[i]);
  const by = dims.length > 0 ? ` by ${dims.join(', ')}` : '';
  return `${options.label ?? name} — \`${namespace}\` \`${name}\`${by} (${options.stat ?? 'Average'})`;
}

/** What an alarm watches, in words (for the alarm status widget). */
function describeAlarm(resources: CfnTemplate['Resources'], logicalId: string): string {
  const props = resources[logicalId]?.Properties;
  if (!props) return logicalId;
  // An expression, or one metric given as a query (a metric with a label is), or a plain metric.
  const query = (props.Metrics ?? []).find((m: Json) => m.ReturnData !== false);
  const what = query ? (query.Label ?? query.Expression ?? query.MetricStat?.Metric?.MetricName) : props.MetricName;
  const comparison = String(props.ComparisonOperator ?? '').startsWith('GreaterThanOrEqual') ? '≥' : props.ComparisonOperator;
  const periods = props.DatapointsToAlarm ? `${props.DatapointsToAlarm} of ${props.EvaluationPeriods}` : String(props.EvaluationPeriods);
  return `${what} ${comparison} ${props.Threshold} (${periods} × 5 min)`;
}

/**
 * The dashboard as a Markdown table: one row per widget, in the dashboard's order (rows of
 * the grid top to bottom, left to right), with what each shows.
 */
export function dashboardTable(template: CfnTemplate): string {
  const { body, resources } = dashboardBodyOf(template);
  const widgets: Json[] = [...body.widgets].sort((a, b) => (a.y - b.y) || (a.x - b.x));
  const rows = widgets.map((w) => {
    const p = w.properties ?? {};
    let shows: string[];
    if (w.type === 'metric' && Array.isArray(p.metrics)) {
      shows = p.metrics.map(describeMetric);
    } else if (w.type === 'alarm') {
      shows = (p.alarms as string[]).map((a) => describeAlarm(resources, a.replace(/^<|>$/g, '')));
    } else {
      shows = [w.type];
    }
    const kind = w.type === 'alarm' ? 'alarm status' : (p.view === 'timeSeries' || !p.view ? 'graph' : p.view);
    return `| ${cell(p.title ?? '')} | ${kind} | ${shows.map(cell).join('<br>')} |`;
  });
  return ['| widget | type | shows |', '| --- | --- | --- |', ...rows].join('\n') + '\n';
}

/** The table of the example stack's dashboard. */
export function exampleDashboardTable(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'support-case-dashboard-'));
  try {
    return dashboardTable(synthExample({}, outdir).template);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** `readme` with the text between the markers replaced by `table`. */
export function renderReadmeDashboard(readme: string, table: string): string {
  const { start, end } = markerPositions(readme, DASHBOARD_START_MARKER, DASHBOARD_END_MARKER);
  const block = [
    '',
    `<!-- Generated from the synthesized dashboard by harness/dashboard.ts (\`${DASHBOARD_UPDATE_COMMAND}\`): do not edit by hand. -->`,
    '',
    table.trimEnd(),
    '',
  ].join('\n');
  return readme.slice(0, start + DASHBOARD_START_MARKER.length) + block + readme.slice(end);
}

/** The table between the markers of `readme` (undefined without markers). */
export function readmeDashboard(readme: string): string | undefined {
  let positions: { start: number; end: number };
  try {
    positions = markerPositions(readme, DASHBOARD_START_MARKER, DASHBOARD_END_MARKER);
  } catch {
    return undefined;
  }
  const lines = readme.slice(positions.start, positions.end).split('\n').filter((l) => l.startsWith('|'));
  return lines.length > 0 ? lines.join('\n') + '\n' : undefined;
}

runIfMain(module, { what: 'dashboard table', updateCommand: DASHBOARD_UPDATE_COMMAND, generate: exampleDashboardTable, render: renderReadmeDashboard });
