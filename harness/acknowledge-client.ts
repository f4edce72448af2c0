/**
 * What a person's browser (or a mail scanner) does with an email's acknowledge link, for the
 * demo's simulated employees and the end-to-end tests: find the links in an email (text and
 * HTML parts), open a page (GET), read its forms and links, and submit a form as a browser
 * does (POST, `application/x-www-form-urlencoded`, to the form's action resolved against the page).
 * No JavaScript: the page needs none.
 */
import type { StoredEmail } from './local-aws';

/** A form of a page, as a browser would submit it. */
export interface PageForm {
  readonly method: string;
  /** The absolute URL the form submits to. */
  readonly action: string;
  /** Its fields (inputs with a name), in order. */
  readonly fields: Record<string, string>;
}

/** A page as fetched. */
export interface Page {
  readonly url: string;
  readonly status: number;
  readonly html: string;
  readonly forms: PageForm[];
  /** Absolute URLs of its links (`<a href>`). */
  readonly links: string[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes HTML character references (named basics, decimal and hex). */
export function decodeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') return String.fromCodePoint(ref[1].toLowerCase() === 'x' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1)));
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** The value of an attribute in a tag's source (quoted or not), decoded. */
function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? decodeHtml(m[1] ?? m[2] ?? m[3]) : undefined;
}

/** Every URL in an email: in its text part, and the links of its HTML part. */
export function urlsOfEmail(email: StoredEmail): string[] {
  const text = [...(email.body.text ?? '').matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]);
  const html = [...(email.body.html ?? '').matchAll(/<a\b[^>]*>/gi)].map((m) => attribute(m[0], 'href')).filter((u): u is string => !!u);
  return [...new Set([...text, ...html])];
}

/** The acknowledge links of an email (its URLs on the acknowledge page). */
export function acknowledgeLinks(email: StoredEmail, pageUrl: string): string[] {
  return urlsOfEmail(email).filter((u) => u.startsWith(pageUrl));
}

/** Reads a page's forms and links. */
export function parsePage(url: string, status: number, html: string): Page {
  const forms = [...html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)].map((m) => {
    const open = /<form\b[^>]*>/i.exec(m[0])![0];
    const fields: Record<string, string> = {};
    for (const input of m[1].matchAll(/<(?:input|button)\b[^>]*>/gi)) {
      const name = attribute(input[0], 'name');
      if (name !== undefined) fields[name] = attribute(input[0], 'value') ?? '';
    }
    return { method: (attribute(open, 'method') ?? 'get').toLowerCase(), action: new URL(attribute(open, 'action') ?? '', url).href, fields };
  });
  const links = [...html.matchAll(/<a\b[^>]*>/gi)].map((m) => attribute(m[0], 'href')).filter((u): u is string => !!u).map((u) => new URL(u, url).href);
  return { url, status, html, forms, links };
}

/** GET, as a browser (or a scanner) opens a link. */
export async function openPage(url: string): Promise<Page> {
  const res = await fetch(url, { headers: { 'accept': 'text/html', 'user-agent': 'harness-browser/1' }, redirect: 'follow' });
  return parsePage(res.url || url, res.status, await res.text());
}

/** Submits a form as a browser does (its method; POST form-urlencoded). */
export async function submitForm(form: PageForm): Promise<Page> {
  const body = new URLSearchParams(form.fields).toString();
  if (form.method !== 'post') return openPage(`${form.action.split('?')[0]}?${body}`);
  const res = await fetch(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept': 'text/html', 'user-agent': 'harness-browser/1' },
    body,
  });
  return parsePage(res.url || form.action, res.status, await res.text());
}

/** Visible text of a page (tags removed, references decoded), to read what it says. */
export function pageText(html: string): string {
  return decodeHtml(html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
}
