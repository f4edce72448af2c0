import { composeCaseEmail } from '../../src/handlers/email-composition.lambda-shared';
import { AssignedCase } from '../../src/shared/contract';
import { checkEmailTemplate, checkSenderName, compileEmailTemplates, formatSender, parseEmailTemplates, parseTemplate } from '../../src/shared/template-engine';

const CASE: AssignedCase = {
  caseId: '001',
  openedAt: '2026-11-25T10:00:00.000Z',
  assignedAt: '2026-11-25T10:00:01.000Z',
  employee: { id: 'e1', name: 'Ana', email: 'ana@example.com' },
};

const NEXT_STEPS_TEXT = [
  'What to do next:',
  '1. Open case 001 in the support console.',
  '2. Contact the customer within one business day.',
  '3. Record what you did on the case before you close it.',
  '',
  'This message was sent by the support case workflow.',
].join('\n');
const NEXT_STEPS_HTML = [
  '<p>What to do next:</p>',
  '<ol><li>Open case 001 in the support console.</li><li>Contact the customer within one business day.</li>'
    + '<li>Record what you did on the case before you close it.</li></ol>',
  '<p>This message was sent by the support case workflow.</p>',
].join('\n');

/** Data meant to break out: markup, header injection, bidi tricks, emoji. */
const HOSTILE = {
  title: '<script>alert("x")</script> & \'co\'\r\nBcc: evil@example.com',
  priority: '🔥 P1',
  // a right-to-left mark (kept) and a right-to-left override (removed)
  customerName: 'שלום\u200F Ltd \u202Egnp.exe',
  link: 'https://tickets.example.com/c?id=1&x="y"',
};

describe('default templates', () => {
  test('a case without details gets exactly today\'s email', () => {
    expect(composeCaseEmail(CASE)).toEqual({
      to: 'ana@example.com',
      subject: 'New support case 001 is assigned to you',
      text: 'Hello Ana,\n\nSupport case 001 (opened 2026-11-25T10:00:00.000Z) is now yours.\n\n' + NEXT_STEPS_TEXT,
      html: '<p>Hello Ana,</p>\n<p>Support case <strong>001</strong> (opened 2026-11-25T10:00:00.000Z) is now yours.</p>\n' + NEXT_STEPS_HTML,
    });
  });

  test('details are listed; markup, CR/LF, bidi overrides and emoji in them are made harmless', () => {
    const email = composeCaseEmail({ ...CASE, employee: { ...CASE.employee, name: 'Ana <b>' }, details: HOSTILE });
    expect(email.subject).toBe('New support case 001 is assigned to you');
    expect(email.text).toBe([
      'Hello Ana <b>,',
      '',
      'Support case 001 (opened 2026-11-25T10:00:00.000Z) is now yours.',
      '',
      // a value's line breaks never make lines of the text body (template-html-check.test.ts)
      'Title: <script>alert("x")</script> & \'co\' Bcc: evil@example.com',
      'Priority: 🔥 P1',
      'Customer: שלום\u200F Ltd gnp.exe',
      'Ticket: https://tickets.example.com/c?id=1&x="y"',
      '',
      NEXT_STEPS_TEXT,
    ].join('\n'));
    expect(email.html).toBe([
      '<p>Hello Ana &#60;b&#62;,</p>',
      '<p>Support case <strong>001</strong> (opened 2026-11-25T10:00:00.000Z) is now yours.</p>',
      '<ul><li>Title: &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;co&#39;\r\nBcc: evil@example.com</li>'
        + '<li>Priority: 🔥 P1</li>'
        + '<li>Customer: שלום\u200F Ltd gnp.exe</li>'
        + '<li>Ticket: <a href="https://tickets.example.com/c?id=1&#38;x=&#34;y&#34;">https://tickets.example.com/c?id=1&#38;x=&#34;y&#34;</a></li></ul>',
      NEXT_STEPS_HTML,
    ].join('\n'));
  });

  test('only the details the case has are listed', () => {
    const email = composeCaseEmail({ ...CASE, details: { priority: 'low' } });
    expect(email.text).toBe('Hello Ana,\n\nSupport case 001 (opened 2026-11-25T10:00:00.000Z) is now yours.\n\nPriority: low\n\n' + NEXT_STEPS_TEXT);
    expect(email.html).toBe('<p>Hello Ana,</p>\n<p>Support case <strong>001</strong> (opened 2026-11-25T10:00:00.000Z) is now yours.</p>\n'
      + '<ul><li>Priority: low</li></ul>\n' + NEXT_STEPS_HTML);
  });
});

describe('custom templates', () => {
  const templates = compileEmailTemplates({
    subject: '[{{priority}}{{^priority}}normal{{/priority}}] {{title}} ({{caseId}})',
    text: '{{employeeName}} <{{employeeEmail}}>: {{#title}}"{{title}}"{{/title}}{{^title}}no title{{/title}}',
    html: '<h1>{{title}}</h1>{{#link}}<a href="{{link}}">ticket</a>{{/link}}{{#details}}!{{/details}}',
  });

  test('sections, inverted sections and values', () => {
    expect(composeCaseEmail(CASE, templates)).toEqual({
      to: 'ana@example.com',
      subject: '[normal]  (001)',
      text: 'Ana <ana@example.com>: no title',
      html: '<h1></h1>',
    });
  });

  test('hostile data: the subject stays one line, the HTML holds only text', () => {
    expect(composeCaseEmail({ ...CASE, details: HOSTILE }, templates)).toEqual({
      to: 'ana@example.com',
      subject: '[🔥 P1] <script>alert("x")</script> & \'co\' Bcc: evil@example.com (001)',
      text: 'Ana <ana@example.com>: "<script>alert("x")</script> & \'co\' Bcc: evil@example.com"',
      html: '<h1>&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;co&#39;\r\nBcc: evil@example.com</h1>'
        + '<a href="https://tickets.example.com/c?id=1&#38;x=&#34;y&#34;">ticket</a>!',
    });
  });

  test('a 1,000-character title: whole in the bodies, the subject cut at 250 characters', () => {
    const title = 'x'.repeat(995) + ' end.';
    const email = composeCaseEmail({ ...CASE, details: { title } }, templates);
    expect(email.subject).toBe(`[normal] ${'x'.repeat(240)}…`);
    expect(Array.from(email.subject)).toHaveLength(250);
    expect(email.text).toBe(`Ana <ana@example.com>: "${title}"`);
    expect(email.html).toBe(`<h1>${title}</h1>!`);
  });

  test('the subject is cut between characters, never inside an emoji', () => {
    const email = composeCaseEmail({ ...CASE, details: { title: '😀'.repeat(400) } }, templates);
    expect(email.subject).toBe(`[normal] ${'😀'.repeat(240)}…`);
    expect(email.subject).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/); // no lone surrogate
  });
});

describe('template syntax', () => {
  test.each([
    ['{{nope}}', /unknown placeholder \{\{nope\}\}; known: caseId, employeeId/],
    ['Hi {{caseId}', /'\{\{' at character 4 is never closed/],
    ['Hi caseId}}', /'\}\}' without '\{\{' at character 10/],
    ['{{#title}}x', /section \{\{#title\}\} is never closed with \{\{\/title\}\}/],
    ['{{#title}}x{{/link}}', /\{\{\/link\}\} closes \{\{#title\}\}/],
    ['x{{/title}}', /\{\{\/title\}\} closes no section/],
    ['{{details}}', /unknown placeholder \{\{details\}\} \(\{\{details\}\} is only a section/],
    ['{{{caseId}}}', /malformed placeholder \{\{\{caseId\}\}/],
    ['{{ case id }}', /malformed placeholder/],
  ])('%s is refused', (source, message) => {
    expect(() => parseTemplate(source)).toThrow(message);
  });

  test('spaces inside the braces and single braces are fine', () => {
    expect(() => parseTemplate('{{ caseId }} a { b } c {{#title}}{{/ title}}')).not.toThrow();
  });

  test('synth check names the prop and the placeholder', () => {
    expect(checkEmailTemplate('Case {{caseID}}', 'emailTemplate.subject', 'subject')).toEqual([
      expect.stringMatching(/^emailTemplate\.subject: unknown placeholder \{\{caseID\}\}/),
    ]);
    expect(checkEmailTemplate('Case {{caseId}}\nBcc: x@example.com', 'emailTemplate.subject', 'subject')).toEqual([
      'emailTemplate.subject: a subject must be one line without control characters',
    ]);
    expect(checkEmailTemplate('line 1\nline 2', 'emailTemplate.text', 'text')).toEqual([]);
    expect(checkEmailTemplate(' ', 'emailTemplate.html', 'html')).toEqual(['emailTemplate.html: must not be empty']);
  });

  test('the handler reads its configuration; missing parts keep the defaults', () => {
    const t = parseEmailTemplates({ subject: 'Case {{caseId}}' });
    const email = composeCaseEmail(CASE, t);
    expect(email.subject).toBe('Case 001');
    expect(email.text).toBe(composeCaseEmail(CASE).text);
    expect(() => parseEmailTemplates({ text: 1 })).toThrow(/text template is not a string/);
    expect(() => parseEmailTemplates({ text: '{{x}}' })).toThrow(/unknown placeholder/);
  });
});

describe('sender', () => {
  test('no display name: the bare address', () => {
    expect(formatSender('support@example.com')).toBe('support@example.com');
  });

  test('ASCII names are quoted, quotes and backslashes escaped', () => {
    expect(formatSender('support@example.com', 'Support Team')).toBe('"Support Team" <support@example.com>');
    expect(formatSender('support@example.com', 'A "B" \\ C, <d@e.f>')).toBe('"A \\"B\\" \\\\ C, <d@e.f>" <support@example.com>');
  });

  test('non-ASCII names are RFC 2047 encoded words of at most 75 characters', () => {
    expect(formatSender('support@example.com', 'Équipe support')).toBe('=?UTF-8?B?w4lxdWlwZSBzdXBwb3J0?= <support@example.com>');
    const long = formatSender('support@example.com', 'サポートチーム'.repeat(5));
    const words = long.replace(' <support@example.com>', '').split(' ');
    expect(words.length).toBeGreaterThan(1);
    for (const w of words) expect(w.length).toBeLessThanOrEqual(75);
    const decoded = words.map((w) => Buffer.from(/^=\?UTF-8\?B\?(.*)\?=$/.exec(w)![1], 'base64').toString('utf8')).join('');
    expect(decoded).toBe('サポートチーム'.repeat(5));
  });

  test('line breaks cannot reach the header', () => {
    expect(formatSender('support@example.com', 'Team\r\nBcc: x@example.com')).toBe('"Team Bcc: x@example.com" <support@example.com>');
    expect(checkSenderName('Team\r\nBcc: x@example.com', 'senderName')).toEqual(['senderName: must not contain line breaks or other control characters']);
    expect(checkSenderName('x'.repeat(101), 'senderName')).toEqual(['senderName: must be at most 100 characters, got 101']);
  });
});
