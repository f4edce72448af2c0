/**
 * Where a value may go in the HTML template. HTML escaping (`escapeHtml`) protects a value in
 * element text and inside a quoted attribute, and nowhere else:
 *  - in an unquoted attribute value, a space ends the value: `href={{title}}` with the title
 *    `x onmouseover=alert(1)` adds an attribute;
 *  - in a URL attribute (`href`, `src`...), escaping keeps the quotes but not the scheme:
 *    `href="{{customerName}}"` becomes a `javascript:` link. Only `{{link}}` and `{{acknowledgeUrl}}`,
 *    always http(s) URLs, may go there, as the whole value (a prefix would let it follow a scheme or host);
 *  - in `style`, in an event handler (`on...`), in `srcdoc`, or inside `<script>`/`<style>`,
 *    the browser decodes the entities and runs the result as CSS, script or HTML: nothing may go there.
 * Checked at synth on the template source: a small scanner of tags and attributes, enough for
 * templates (not a full HTML parser: it follows quotes, comments and raw-text elements).
 */

/** Attributes whose value is a URL. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'poster', 'background', 'cite', 'data', 'srcset', 'xlink:href', 'ping', 'longdesc', 'manifest', 'icon']);
/** Attributes whose value the browser runs or parses as code or markup. */
const CODE_ATTRIBUTES = new Set(['style', 'srcdoc']);
/** Elements whose content is raw text (script or CSS), where entities are not decoded as text. */
const RAW_TEXT_ELEMENTS = new Set(['script', 'style']);

/** Placeholders that always hold an http(s) URL: the only ones a URL attribute may take (as its whole value). */
const URL_PLACEHOLDERS = new Set(['link', 'acknowledgeUrl']);

const VALUE_TAG = /^\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/;

/** Every misplaced value placeholder of an HTML template (empty when all are safe), each with its position. */
export function checkHtmlPlacements(source: string): string[] {
  const problems: string[] = [];
  let i = 0;
  let rawText: string | undefined; // inside <script> or <style>
  const at = (pos: number, name: string) => `{{${name}}} at character ${pos + 1}`;

  /** The value placeholder at `pos`, if any (sections emit no value: skipped). */
  const valueAt = (pos: number): { name: string; end: number } | undefined => {
    const m = VALUE_TAG.exec(source.slice(pos));
    return m ? { name: m[1], end: pos + m[0].length } : undefined;
  };
  /** Skips a placeholder of any kind at `pos`; returns the position after it (or pos + 2 for a stray `{{`). */
  const skipTag = (pos: number) => {
    const end = source.indexOf('}}', pos + 2);
    return end < 0 ? source.length : end + 2;
  };

  while (i < source.length) {
    if (source.startsWith('{{', i)) {
      const value = valueAt(i);
      if (value && rawText) problems.push(`${at(i, value.name)} is inside <${rawText}>, where no value may go`);
      i = skipTag(i);
      continue;
    }
    if (rawText) {
      if (source.slice(i, i + rawText.length + 2).toLowerCase() === `</${rawText}`) rawText = undefined;
      i++;
      continue;
    }
    if (source.startsWith('<!--', i)) {
      const end = source.indexOf('-->', i + 4);
      i = end < 0 ? source.length : end + 3;
      continue;
    }
    const tag = /^<([A-Za-z][A-Za-z0-9-]*)/.exec(source.slice(i));
    if (!tag) {
      i++;
      continue;
    }
    i = scanTag(i + tag[0].length);
    if (RAW_TEXT_ELEMENTS.has(tag[1].toLowerCase()) && source[i - 1] === '>') rawText = tag[1].toLowerCase();
  }
  return problems;

  /** Scans a start tag's attributes from `pos`; returns the position after its `>`. */
  function scanTag(pos: number): number {
    let p = pos;
    while (p < source.length) {
      const c = source[p];
      if (c === '>') return p + 1;
      if (source.startsWith('{{', p)) {
        const value = valueAt(p);
        if (value) problems.push(`${at(p, value.name)} is inside a tag, outside a quoted attribute value`);
        p = skipTag(p);
        continue;
      }
      if (/[\s/]/.test(c)) {
        p++;
        continue;
      }
      // An attribute: its name, then maybe `=` and a value.
      const name = /^[^\s/>=]+/.exec(source.slice(p))![0];
      p += name.length;
      while (/\s/.test(source[p] ?? '')) p++;
      if (source[p] !== '=') continue;
      p++;
      while (/\s/.test(source[p] ?? '')) p++;
      p = scanValue(name.toLowerCase(), p);
    }
    return p;
  }

  /** Scans one attribute value from `pos` (quoted or not); returns the position after it. */
  function scanValue(attribute: string, pos: number): number {
    const quote = source[pos] === '"' || source[pos] === '\'' ? source[pos] : undefined;
    const start = quote ? pos + 1 : pos;
    let p = start;
    while (p < source.length && (quote ? source[p] !== quote : !/[\s>]/.test(source[p]))) {
      const value = source.startsWith('{{', p) ? valueAt(p) : undefined;
      if (value) {
        const where = at(p, value.name);
        if (!quote) {problems.push(`${where} is in an unquoted attribute value (${attribute}=...): quote the value ("...")`);} else if (CODE_ATTRIBUTES.has(attribute) || attribute.startsWith('on')) {problems.push(`${where} is in ${attribute}, where no value may go`);} else if (URL_ATTRIBUTES.has(attribute) && (!URL_PLACEHOLDERS.has(value.name) || p !== start)) {
          problems.push(`${where} is in ${attribute}, where only {{link}} may go, as the whole value (or {{acknowledgeUrl}}, with the acknowledgement)`);
        }
      }
      p = source.startsWith('{{', p) ? skipTag(p) : p + 1;
    }
    return quote ? p + 1 : p;
  }
}
