/**
 * The README's diagram of the workflow, generated from the state machine definition that the
 * construct synthesizes, so that the picture cannot drift from the code.
 *
 *   ts-node harness/diagram.ts            prints the Mermaid diagram
 *   ts-node harness/diagram.ts --write    writes it into README.md (between the markers)
 *   ts-node harness/diagram.ts --check    exits 1 if README.md's diagram is not the generated one
 *
 * `--readme PATH` works on another file than the repository's README.md. (Run ts-node as
 * `ts-node --project tsconfig.dev.json --transpile-only`; the projen task `diagram` does.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthExample } from './example-app';
import { markerPositions, runIfMain } from './readme-section';
import { TemplateResolver } from './template-resolver';

/** The README markers between which the generated diagram lives. */
export const DIAGRAM_START_MARKER = '<!-- workflow-diagram:start -->';
export const DIAGRAM_END_MARKER = '<!-- workflow-diagram:end -->';

/** The repository's README. */

/** How to bring the README's diagram up to date. */
export const UPDATE_COMMAND = 'npx projen diagram';

type Json = any;

/** Widest line (characters) of a wrapped list of error names. */
const LINE_WIDTH = 56;

/**
 * Renders an Amazon States Language definition as a Mermaid state diagram (`stateDiagram-v2`).
 *
 * - every state is a box: its name, and its type with what it calls (a Task's service
 *   integration, or "Lambda function"; never account-specific names or ARNs)
 * - `StartAt` comes from the start dot; `End`, Succeed and Fail states lead to the end dot;
 *   Fail states are red, Succeed states green
 * - `Next` and Choice rules (with their condition) are transitions
 * - each `Catch` is a transition labelled `catch` and the error names it catches
 * - a state's `Retry` rules are a note beside it: for each, `MaxAttempts` and the error names
 * - Parallel states are composite states with one region per branch; Map states are
 *   composite states holding the item processor
 *
 * The output depends on the definition only (states in their definition order), so it is
 * the same from one synthesis to the next.
 */
export function mermaidFromDefinition(definition: Json): string {
  checkScope(definition, 'the definition');
  const renderer = new MermaidRenderer();
  renderer.scope(definition, '  ');
  return renderer.text();
}

class MermaidRenderer {
  private readonly usedIds = new Set<string>();
  private readonly lines: string[] = ['stateDiagram-v2'];
  private readonly failIds: string[] = [];
  private readonly succeedIds: string[] = [];

  text(): string {
    const classes: string[] = [];
    if (this.failIds.length > 0) {
      classes.push('  classDef fail fill:#fde2e2,stroke:#c62828,color:#7f0000');
      classes.push(`  class ${this.failIds.join(',')} fail`);
    }
    if (this.succeedIds.length > 0) {
      classes.push('  classDef succeed fill:#e3f4e1,stroke:#2e7d32,color:#1b4d1e');
      classes.push(`  class ${this.succeedIds.join(',')} succeed`);
    }
    return [...this.lines, ...classes].join('\n') + '\n';
  }

  /** One scope: the machine, a Parallel branch or a Map's item processor. */
  scope(definition: Json, indent: string): void {
    const ids = new Map<string, string>();
    for (const name of Object.keys(definition.States)) ids.set(name, this.newId(name));
    const target = (from: string, name: string): string => {
      const id = ids.get(name);
      if (!id) throw new Error(`state "${from}" goes to "${name}", which is not a state of its scope`);
      return id;
    };
    const add = (line: string) => this.lines.push(`${indent}${line}`);

    // The states.
    for (const [name, state] of Object.entries<Json>(definition.States)) {
      const id = ids.get(name)!;
      if (state.Type === 'Parallel' || state.Type === 'Map') {
        // A composite state can have no description: its type goes into its label.
        add(`state "${quoted(`${name} (${state.Type})`)}" as ${id} {`);
        if (state.Type === 'Parallel') {
          const branches: Json[] = state.Branches ?? [];
          branches.forEach((branch, i) => {
            checkScope(branch, `branch ${i + 1} of "${name}"`);
            if (i > 0) add('  --');
            this.scope(branch, `${indent}  `);
          });
        } else {
          const processor = state.ItemProcessor ?? state.Iterator;
          checkScope(processor, `the item processor of "${name}"`);
          this.scope(processor, `${indent}  `);
        }
        add('}');
      } else {
        add(`state "${quoted(name)}" as ${id}`);
        add(`${id} : ${escape(describe(state))}`);
      }
      if (state.Type === 'Fail') this.failIds.push(id);
      if (state.Type === 'Succeed') this.succeedIds.push(id);
    }

    // The transitions.
    add(`[*] --> ${target('StartAt', definition.StartAt)}`);
    for (const [name, state] of Object.entries<Json>(definition.States)) {
      const id = ids.get(name)!;
      if (state.Type === 'Choice') {
        for (const rule of state.Choices ?? []) add(`${id} --> ${target(name, rule.Next)} : ${escape(describeRule(rule))}`);
        if (state.Default) add(`${id} --> ${target(name, state.Default)} : otherwise`);
      }
      if (state.Next) add(`${id} --> ${target(name, state.Next)}`);
      if (state.End === true || state.Type === 'Succeed' || state.Type === 'Fail') add(`${id} --> [*]`);
      for (const catcher of state.Catch ?? []) {
        add(`${id} --> ${target(name, catcher.Next)} : catch ${escape((catcher.ErrorEquals ?? []).join(', '))}`);
      }
      const retriers: Json[] = state.Retry ?? [];
      if (retriers.length > 0) {
        add(`note right of ${id}`);
        for (const retrier of retriers) {
          const attempts = retrier.MaxAttempts ?? 3;
          add(`  retry up to ${attempts} ${attempts === 1 ? 'time' : 'times'}:`);
          for (const line of wrap(retrier.ErrorEquals ?? [])) add(`    ${line}`);
        }
        add('end note');
      }
    }
  }

  /** A Mermaid id for a state name: readable, stable, unique in the diagram. */
  private newId(name: string): string {
    const base = `s_${name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '')}`;
    let id = base;
    for (let n = 2; this.usedIds.has(id); n++) id = `${base}_${n}`;
    this.usedIds.add(id);
    return id;
  }
}

function checkScope(definition: Json, what: string): void {
  if (!definition || typeof definition !== 'object' || typeof definition.StartAt !== 'string'
    || !definition.States || typeof definition.States !== 'object' || Object.keys(definition.States).length === 0) {
    throw new Error(`${what} is not a state machine definition (no StartAt or no States)`);
  }
}

/** The description of a state's box: its type and what it calls. */
function describe(state: Json): string {
  switch (state.Type) {
    case 'Task':
      return `Task: ${describeResource(state.Resource)}`;
    case 'Wait':
      if (state.Seconds !== undefined) return `Wait ${state.Seconds} s`;
      // A JSONata expression ({% ... %}) is long and full of characters Mermaid reads: say where the time comes from.
      if (typeof state.Timestamp === 'string' && state.Timestamp.startsWith('{%')) return 'Wait until the time a JSONata expression gives';
      return `Wait until ${state.Timestamp ?? state.SecondsPath ?? state.TimestampPath ?? '?'}`;
    case 'Fail':
      return state.Error ? `Fail: ${state.Error}` : 'Fail';
    default:
      return String(state.Type);
  }
}

/** What a Task calls, without account-specific names (function names, ARNs). */
function describeResource(resource: unknown): string {
  if (typeof resource !== 'string') return 'resource';
  const integration = /^arn:[^:]+:states:::(.+)$/.exec(resource);
  if (integration) return integration[1];
  if (/^arn:[^:]+:lambda:/.test(resource)) return 'Lambda function';
  if (/^arn:[^:]+:states:[^:]*:[^:]*:activity:/.test(resource)) return 'activity';
  return 'resource';
}

const COMPARISONS: Record<string, string> = {
  StringEquals: '==',
  StringLessThan: '<',
  StringGreaterThan: '>',
  StringLessThanEquals: '<=',
  StringGreaterThanEquals: '>=',
  StringMatches: 'matches',
  NumericEquals: '==',
  NumericLessThan: '<',
  NumericGreaterThan: '>',
  NumericLessThanEquals: '<=',
  NumericGreaterThanEquals: '>=',
  BooleanEquals: '==',
  TimestampEquals: '==',
  TimestampLessThan: '<',
  TimestampGreaterThan: '>',
  TimestampLessThanEquals: '<=',
  TimestampGreaterThanEquals: '>=',
};
const TYPE_TESTS: Record<string, string> = {
  IsNull: 'null', IsPresent: 'present', IsNumeric: 'numeric', IsString: 'a string', IsBoolean: 'a boolean', IsTimestamp: 'a timestamp',
};

/** A Choice rule as a short condition. */
function describeRule(rule: Json): string {
  if (typeof rule.Condition === 'string') return rule.Condition;
  if (Array.isArray(rule.And)) return rule.And.map((r: Json) => `(${describeRule(r)})`).join(' and ');
  if (Array.isArray(rule.Or)) return rule.Or.map((r: Json) => `(${describeRule(r)})`).join(' or ');
  if (rule.Not) return `not (${describeRule(rule.Not)})`;
  for (const [key, value] of Object.entries<Json>(rule)) {
    const comparison = key.replace(/Path$/, '');
    if (COMPARISONS[comparison]) {
      const operand = key.endsWith('Path') ? String(value) : JSON.stringify(value);
      return `${rule.Variable} ${COMPARISONS[comparison]} ${operand}`;
    }
    if (TYPE_TESTS[key]) return `${rule.Variable} is ${value ? '' : 'not '}${TYPE_TESTS[key]}`;
  }
  return 'rule';
}

/** Text for a quoted state label: HTML entities work there. */
function quoted(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Text for a description, transition label or note, which are not quoted: `;` would end the
 * statement (so a fullwidth semicolon stands in for it) and `<` could open an HTML tag (so a
 * zero-width space follows it).
 */
function escape(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/;/g, '\uFF1B').replace(/</g, '<\u200B');
}

/** A list of error names, comma-separated, in lines of at most LINE_WIDTH characters. */
function wrap(names: string[]): string[] {
  const lines: string[] = [];
  let line = '';
  for (const name of names.map(escape)) {
    if (line && line.length + 2 + name.length > LINE_WIDTH) {
      lines.push(`${line},`);
      line = name;
    } else {
      line = line ? `${line}, ${name}` : name;
    }
  }
  lines.push(line);
  return lines;
}

/**
 * The state machine definition of the example stack (`harness/example-app.ts`), as deployed:
 * the template's `DefinitionString` with its CloudFormation tokens resolved, parsed.
 */
export function definitionOfExample(): Json {
  const outdir = mkdtempSync(join(tmpdir(), 'support-case-diagram-'));
  try {
    const { template } = synthExample({}, outdir);
    const machines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    if (machines.length !== 1) throw new Error(`expected one AWS::StepFunctions::StateMachine, found ${machines.length}`);
    const definition = new TemplateResolver(template).resolve(machines[0].Properties.DefinitionString);
    return typeof definition === 'string' ? JSON.parse(definition) : definition;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The Mermaid diagram of the example stack's workflow. */
export function exampleDiagram(): string {
  return mermaidFromDefinition(definitionOfExample());
}

/**
 * `readme` with the text between the diagram markers replaced by `mermaid` in a fenced block.
 * Throws if the markers are missing, repeated or out of order.
 */
export function renderReadmeDiagram(readme: string, mermaid: string): string {
  const { start, end } = markerPositions(readme, DIAGRAM_START_MARKER, DIAGRAM_END_MARKER);
  const block = [
    '',
    `<!-- Generated from the synthesized state machine by harness/diagram.ts (\`${UPDATE_COMMAND}\`): do not edit by hand. -->`,
    '',
    '```mermaid',
    mermaid.trimEnd(),
    '```',
    '',
  ].join('\n');
  return readme.slice(0, start + DIAGRAM_START_MARKER.length) + block + readme.slice(end);
}

/** The Mermaid text of the diagram between the markers of `readme` (undefined if there is none). */
export function readmeDiagram(readme: string): string | undefined {
  if (!hasDiagramMarkers(readme)) return undefined;
  const { start, end } = markerPositions(readme, DIAGRAM_START_MARKER, DIAGRAM_END_MARKER);
  const fenced = /```mermaid\n([\s\S]*?)```/.exec(readme.slice(start, end));
  return fenced ? fenced[1] : undefined;
}

/** Whether `readme` holds both diagram markers, once each and in order. */
export function hasDiagramMarkers(readme: string): boolean {
  try {
    markerPositions(readme, DIAGRAM_START_MARKER, DIAGRAM_END_MARKER);
    return true;
  } catch {
    return false;
  }
}

runIfMain(module, { what: 'workflow diagram', updateCommand: UPDATE_COMMAND, generate: exampleDiagram, render: renderReadmeDiagram });
