/**
 * The template engine of the case emails: parsing, checking and rendering, as plain functions (no
 * AWS code). The construct checks the team's templates with `checkEmailTemplate` at synth time
 * (the public struct they come in is `src/email-template.ts`); Send Email renders them with
 * `renderEmail` (`src/handlers/email-composition.lambda-shared.ts`).
 *
 * Syntax (a small subset of Mustache):
 *  - `{{name}}` is replaced by the value of a placeholder (empty when the case has no such value);
 *  - `{{#name}}...{{/name}}` keeps its content only when the value is present,
 *    `{{^name}}...{{/name}}` only when it is absent; `{{#details}}` / `{{^details}}` test
 *    whether the case has any detail at all. Sections may nest.
 * Anything else between `{{` and `}}`, an unknown name, a `{{` without `}}`, a `}}` without
 * `{{` or an unclosed section is an error.
 *
 * Values are made safe for where they land: HTML-escaped in the HTML body (and kept, at synth,
 * out of places where escaping does not protect: `template-html-check.ts`); in the text body,
 * line breaks become spaces (a value cannot forge lines); in the subject (a mail header), line
 * breaks and other control characters become spaces. In every part,
 * bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069) are
 * removed from values, so case data cannot reorder the text around it; the marks U+200E and
 * U+200F are kept.
 */
import { CaseDetails } from './contract';
import { checkHtmlPlacements } from './template-html-check';

/** Every placeholder a template may use. */
export const PLACEHOLDERS = [
  'caseId',
  'employeeId',
  'employeeName',
  'employeeEmail',
  'openedAt',
  'assignedAt',
  'title',
  'priority',
  'customerName',
  'link',
  // Acknowledgement on only (empty otherwise: see checkEmailTemplate):
  'acknowledgeUrl',
  'round',
  'escalatedFrom',
  'escalatedAfter',
] as const;
export type PlaceholderName = (typeof PLACEHOLDERS)[number];

/**
 * The acknowledgement's placeholders (docs/design/acknowledgement.md): the link (an http(s) URL), the round (1 first),
 * and from round 2 the previous assignee's name and the wait after which the case was escalated (`15 minutes`).
 */
export const ACKNOWLEDGEMENT_PLACEHOLDERS = ['acknowledgeUrl', 'round', 'escalatedFrom', 'escalatedAfter'] as const;

/** Names usable only as sections: `details` is present when the case has any detail. */
const SECTION_ONLY = ['details'] as const;

/** The values a template is rendered with (absent = no value). */
export type TemplateValues = Partial<Record<PlaceholderName, string>>;

/** The three parts of an email, as template sources. */
export interface EmailTemplateSources {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A partial set of sources, as configured (missing parts use the defaults). */
export type EmailTemplateOverrides = Partial<EmailTemplateSources>;

/** Today's wording, plus the case details when the case has any (and the acknowledgement's lines only when it is on). */
export const DEFAULT_EMAIL_TEMPLATES: EmailTemplateSources = {
  subject: 'New support case {{caseId}} is assigned to you',
  text: [
    'Hello {{employeeName}},',
    '',
    'Support case {{caseId}} (opened {{openedAt}}) is now yours.'
      + '{{#details}}\n{{#title}}\nTitle: {{title}}{{/title}}{{#priority}}\nPriority: {{priority}}{{/priority}}'
      + '{{#customerName}}\nCustomer: {{customerName}}{{/customerName}}{{#link}}\nTicket: {{link}}{{/link}}{{/details}}'
      + '{{#escalatedFrom}}\nEscalated from {{escalatedFrom}} after {{escalatedAfter}}.{{/escalatedFrom}}'
      + '{{#acknowledgeUrl}}\n\nAcknowledge the case: {{acknowledgeUrl}}{{/acknowledgeUrl}}',
    '',
    'What to do next:',
    '1. Open case {{caseId}} in the support console.',
    '2. Contact the customer within one business day.',
    '3. Record what you did on the case before you close it.',
    '',
    'This message was sent by the support case workflow.',
  ].join('\n'),
  html: [
    '<p>Hello {{employeeName}},</p>',
    '<p>Support case <strong>{{caseId}}</strong> (opened {{openedAt}}) is now yours.</p>'
      + '{{#details}}\n<ul>{{#title}}<li>Title: {{title}}</li>{{/title}}{{#priority}}<li>Priority: {{priority}}</li>{{/priority}}'
      + '{{#customerName}}<li>Customer: {{customerName}}</li>{{/customerName}}'
      + '{{#link}}<li>Ticket: <a href="{{link}}">{{link}}</a></li>{{/link}}</ul>{{/details}}'
      + '{{#escalatedFrom}}\n<p>Escalated from {{escalatedFrom}} after {{escalatedAfter}}.</p>{{/escalatedFrom}}'
      + '{{#acknowledgeUrl}}\n<p><a href="{{acknowledgeUrl}}" target="_blank" rel="noopener noreferrer">Acknowledge the case</a></p>{{/acknowledgeUrl}}',
    '<p>What to do next:</p>',
    '<ol><li>Open case {{caseId}} in the support console.</li><li>Contact the customer within one business day.</li>'
      + '<li>Record what you did on the case before you close it.</li></ol>',
    '<p>This message was sent by the support case workflow.</p>',
  ].join('\n'),
};

/** Longest subject sent (code points); longer ones are cut and end with `…`. */
export const MAX_SUBJECT_LENGTH = 250;

/** A template that cannot be parsed; `placeholder` is the offending tag, when there is one. */
export class TemplateSyntaxError extends Error {
  constructor(message: string, public readonly placeholder?: string) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

type TemplateNode =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'value'; readonly name: PlaceholderName }
  | { readonly kind: 'section'; readonly name: string; readonly inverted: boolean; readonly children: TemplateNode[] };

/** A parsed template. */
export interface ParsedTemplate {
  readonly nodes: readonly TemplateNode[];
}

const TAG = /^([#^/]?)\s*([A-Za-z][A-Za-z0-9]*)$/;

function isPlaceholder(name: string): name is PlaceholderName {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

function isSectionName(name: string): boolean {
  return isPlaceholder(name) || (SECTION_ONLY as readonly string[]).includes(name);
}

/**
 * Parses a template.
 * @throws TemplateSyntaxError naming the offending placeholder or the unbalanced braces
 */
export function parseTemplate(source: string): ParsedTemplate {
  const root: TemplateNode[] = [];
  const open: { name: string; children: TemplateNode[]; tag: string }[] = [];
  const current = () => (open.length > 0 ? open[open.length - 1].children : root);
  const addText = (text: string, at: number) => {
    const stray = text.indexOf('}}');
    if (stray >= 0) throw new TemplateSyntaxError(`'}}' without '{{' at character ${at + stray + 1}`);
    if (text !== '') current().push({ kind: 'text', text });
  };
  let pos = 0;
  while (pos < source.length) {
    const start = source.indexOf('{{', pos);
    if (start < 0) {
      addText(source.slice(pos), pos);
      break;
    }
    addText(source.slice(pos, start), pos);
    const end = source.indexOf('}}', start + 2);
    if (end < 0) throw new TemplateSyntaxError(`'{{' at character ${start + 1} is never closed with '}}'`);
    const tag = source.slice(start, end + 2);
    const match = TAG.exec(source.slice(start + 2, end).trim());
    if (!match) throw new TemplateSyntaxError(`malformed placeholder ${tag} (expected {{name}}, {{#name}}, {{^name}} or {{/name}})`, tag);
    const [, sigil, name] = match;
    const known = sigil === '' ? isPlaceholder(name) : isSectionName(name);
    if (!known) {
      const usable = sigil === '' ? PLACEHOLDERS : [...PLACEHOLDERS, ...SECTION_ONLY];
      const hint = sigil === '' && isSectionName(name) ? ` ({{${name}}} is only a section: {{#${name}}}...{{/${name}}})` : '';
      throw new TemplateSyntaxError(`unknown placeholder ${tag}${hint}; known: ${usable.join(', ')}`, tag);
    }
    if (sigil === '') {
      current().push({ kind: 'value', name: name as PlaceholderName });
    } else if (sigil === '/') {
      const top = open.pop();
      if (!top || top.name !== name) {
        throw new TemplateSyntaxError(top ? `${tag} closes ${top.tag}` : `${tag} closes no section`, tag);
      }
    } else {
      const children: TemplateNode[] = [];
      current().push({ kind: 'section', name, inverted: sigil === '^', children });
      open.push({ name, children, tag });
    }
    pos = end + 2;
  }
  if (open.length > 0) {
    const top = open[open.length - 1];
    throw new TemplateSyntaxError(`section ${top.tag} is never closed with {{/${top.name}}}`, top.tag);
  }
  return { nodes: root };
}

/** Bidirectional embedding, override and isolate controls. */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
/** C0 controls (line breaks included), DEL, and the Unicode line and paragraph separators. */
const HEADER_BREAKERS = /[\u0000-\u001F\u007F\u2028\u2029]+/g;
const HAS_CONTROL = /[\u0000-\u001F\u007F\u2028\u2029]/;

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Line breaks of every kind (CR, LF, VT, FF, NEL, U+2028, U+2029). */
const LINE_BREAKS = /[\r\n\u000B\u000C\u0085\u2028\u2029]+/g;

/** Keeps a value on its line of the text body: a run of line breaks becomes one space, so a value cannot forge lines. */
export function lineSafe(text: string): string {
  return text.replace(LINE_BREAKS, ' ');
}

/** Makes a value safe for a one-line mail header: control characters (CR, LF, ...) become one space. */
export function headerSafe(text: string): string {
  return text.replace(HEADER_BREAKERS, ' ');
}

function render(nodes: readonly TemplateNode[], values: TemplateValues, escape: (v: string) => string): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') {
      out += node.text;
    } else if (node.kind === 'value') {
      out += escape((values[node.name] ?? '').replace(BIDI_CONTROLS, ''));
    } else {
      const present = node.name === 'details'
        ? (['title', 'priority', 'customerName', 'link'] as const).some((k) => values[k])
        : Boolean(values[node.name as PlaceholderName]);
      if (present !== node.inverted) out += render(node.children, values, escape);
    }
  }
  return out;
}

/** Parsed subject, text and HTML templates. */
export interface EmailTemplates {
  readonly subject: ParsedTemplate;
  readonly text: ParsedTemplate;
  readonly html: ParsedTemplate;
}

/** The rendered parts of an email. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Parses the configured templates, the defaults filling in the missing parts. */
export function compileEmailTemplates(overrides: EmailTemplateOverrides = {}): EmailTemplates {
  return {
    subject: parseTemplate(overrides.subject ?? DEFAULT_EMAIL_TEMPLATES.subject),
    text: parseTemplate(overrides.text ?? DEFAULT_EMAIL_TEMPLATES.text),
    html: parseTemplate(overrides.html ?? DEFAULT_EMAIL_TEMPLATES.html),
  };
}

/** Renders an email: values escaped for HTML in the body, made header-safe (and the whole bounded) in the subject. */
export function renderEmail(templates: EmailTemplates, values: TemplateValues): RenderedEmail {
  const subject = Array.from(headerSafe(render(templates.subject.nodes, values, headerSafe)));
  return {
    subject: subject.length > MAX_SUBJECT_LENGTH ? subject.slice(0, MAX_SUBJECT_LENGTH - 1).join('') + '…' : subject.join(''),
    text: render(templates.text.nodes, values, lineSafe),
    html: render(templates.html.nodes, values, escapeHtml),
  };
}

/** The placeholder values of a case. */
export function caseTemplateValues(c: {
  readonly caseId: string;
  readonly openedAt: string;
  readonly assignedAt?: string;
  readonly employee: { readonly id: string; readonly name: string; readonly email: string };
  readonly details?: CaseDetails;
}): TemplateValues {
  return {
    caseId: c.caseId,
    employeeId: c.employee.id,
    employeeName: c.employee.name,
    employeeEmail: c.employee.email,
    openedAt: c.openedAt,
    assignedAt: c.assignedAt,
    ...c.details,
  };
}

/** The distinct well-formed tags of `source` that name no placeholder or section, in order. */
function unknownPlaceholders(source: string): string[] {
  const unknown = new Set<string>();
  for (const m of source.matchAll(/\{\{([^{}]*)\}\}/g)) {
    const tag = TAG.exec(m[1].trim());
    if (tag && !(tag[1] === '' ? isPlaceholder(tag[2]) : isSectionName(tag[2]))) unknown.add(m[0]);
  }
  return [...unknown];
}

/**
 * The acknowledgement values of `source` outside every section of an acknowledgement placeholder
 * (which renders nothing without it: one template can serve both ways). Empty if it does not parse.
 */
function unguardedAcknowledgementValues(source: string): string[] {
  let nodes: readonly TemplateNode[] = [];
  try {
    nodes = parseTemplate(source).nodes;
  } catch {} // reported by parseTemplate's own check
  const isAck = (name: string) => (ACKNOWLEDGEMENT_PLACEHOLDERS as readonly string[]).includes(name);
  const found = new Set<string>();
  const walk = (list: readonly TemplateNode[], guarded: boolean): void => {
    for (const node of list) {
      if (node.kind === 'value' && isAck(node.name) && !guarded) found.add(`{{${node.name}}}`);
      if (node.kind === 'section') walk(node.children, guarded || (!node.inverted && isAck(node.name)));
    }
  };
  walk(nodes, false);
  return [...found];
}

/**
 * Synth-time check of one template part. Returns the problems (empty when fine), each
 * starting with `prop`, e.g. `emailTemplate.subject: unknown placeholder {{foo}}; ...`. Unless
 * `options.acknowledgement` says it is on, an acknowledgement value outside a section of an
 * acknowledgement placeholder is refused (it would always be empty).
 */
export function checkEmailTemplate(
  source: string, prop: string, part: keyof EmailTemplateSources, options: { readonly acknowledgement?: boolean } = {},
): string[] {
  const problems: string[] = [];
  if (!options.acknowledgement) {
    const used = unguardedAcknowledgementValues(source);
    if (used.length > 0) {
      problems.push(`${prop}: ${used.join(', ')} ${used.length === 1 ? 'is' : 'are'} empty without the acknowledgement prop`
        + ' (set it, or keep them inside a section such as {{#acknowledgeUrl}}...{{/acknowledgeUrl}})');
    }
  }
  const unknown = unknownPlaceholders(source);
  if (unknown.length > 1) {
    // Every unknown one at once (parsing stops at the first problem).
    problems.push(`${prop}: unknown placeholders ${unknown.join(', ')}; known: ${PLACEHOLDERS.join(', ')} (sections also: ${SECTION_ONLY.join(', ')})`);
  }
  try {
    parseTemplate(source);
  } catch (e) {
    if (!(unknown.length > 1 && e instanceof TemplateSyntaxError && e.message.startsWith('unknown placeholder'))) problems.push(`${prop}: ${(e as Error).message}`);
  }
  if (source.trim() === '') problems.push(`${prop}: must not be empty`);
  if (part === 'subject' && HAS_CONTROL.test(source)) {
    problems.push(`${prop}: a subject must be one line without control characters`);
  }
  if (part === 'html') problems.push(...checkHtmlPlacements(source).map((p) => `${prop}: ${p}`));
  return problems;
}

/** Longest sender display name accepted (characters). */
export const MAX_SENDER_NAME_LENGTH = 100;

/** Synth-time check of the sender display name; returns the problems, each starting with `prop`. */
export function checkSenderName(name: string, prop: string): string[] {
  const problems: string[] = [];
  if (name.trim() === '') problems.push(`${prop}: must not be empty`);
  if (name.length > MAX_SENDER_NAME_LENGTH) problems.push(`${prop}: must be at most ${MAX_SENDER_NAME_LENGTH} characters, got ${name.length}`);
  if (HAS_CONTROL.test(name)) problems.push(`${prop}: must not contain line breaks or other control characters`);
  return problems;
}

/** Printable ASCII without the characters that need an encoded word. */
const PLAIN_ASCII = /^[\x20-\x7E]*$/;

/**
 * The SES `Source` for a sender address and an optional display name: `"Name" <address>`,
 * quoted with `\` escapes; a name with non-ASCII characters is sent as RFC 2047 encoded words
 * (`=?UTF-8?B?...?=`), as SES asks for. The address itself stays bare and unchanged.
 */
export function formatSender(address: string, displayName?: string): string {
  if (displayName === undefined || displayName === '') return address;
  const name = headerSafe(displayName);
  if (PLAIN_ASCII.test(name)) return `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}" <${address}>`;
  // Encoded words are at most 75 characters: 45 bytes of UTF-8 per word (60 of base64),
  // never splitting a character.
  const words: string[] = [];
  let chunk = '';
  for (const ch of name) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  words.push(chunk);
  return `${words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(' ')} <${address}>`;
}

/**
 * Reads the templates configuration (`{subject?, text?, html?}`, parsed from the configuration
 * file) as the construct wrote it; undefined means the default wording.
 * @throws Error when it is not such an object or a template does not parse
 */
export function parseEmailTemplates(raw: unknown): EmailTemplates {
  if (raw === undefined) return compileEmailTemplates();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('the email templates are not a JSON object');
  const overrides: Record<string, string> = {};
  for (const part of ['subject', 'text', 'html'] as const) {
    const value = (raw as Record<string, unknown>)[part];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new Error(`the ${part} template is not a string`);
    overrides[part] = value;
  }
  return compileEmailTemplates(overrides);
}
