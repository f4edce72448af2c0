/**
 * Text hygiene: case details are a caller's text sent from the company's address, so no line
 * break may be shaped for phishing, and no template may put a value where HTML escaping does not
 * protect it. (Link hygiene: test/handlers/case-details.test.ts.)
 */
import { composeCaseEmail } from '../../src/handlers/email-composition.lambda-shared';
import { AssignedCase } from '../../src/shared/contract';
import { checkEmailTemplate, compileEmailTemplates, DEFAULT_EMAIL_TEMPLATES } from '../../src/shared/template-engine';

const CASE: AssignedCase = {
  caseId: '001',
  openedAt: '2026-11-25T10:00:00.000Z',
  assignedAt: '2026-11-25T10:00:01.000Z',
  employee: { id: 'e1', name: 'Ana', email: 'ana@example.com' },
};

describe('line breaks in values', () => {
  test('never reach the text body as lines (default and custom templates)', () => {
    const title = 'Printer jam\r\nURGENT: reset your password at https://evil.example/\u2028Thanks\nIT';
    const email = composeCaseEmail({ ...CASE, details: { title } });
    expect(email.text).toContain('\nTitle: Printer jam URGENT: reset your password at https://evil.example/ Thanks IT\n');
    expect(email.text).not.toMatch(/^URGENT/m);
    const custom = composeCaseEmail({ ...CASE, details: { title } }, compileEmailTemplates({ text: 'Case {{caseId}}:\n{{title}}\nBye' }));
    expect(custom.text).toBe('Case 001:\nPrinter jam URGENT: reset your password at https://evil.example/ Thanks IT\nBye');
  });
});

describe('templates: values only where escaping protects them', () => {
  const html = (source: string) => checkEmailTemplate(source, 'emailTemplate.html', 'html');

  test('a value in an unquoted attribute and one in an href are both refused at synth, reported at once', () => {
    const problems = html('<a href={{title}}>x</a> <a href="{{customerName}}">y</a>');
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^emailTemplate\.html: \{\{title\}\} at character 9 is in an unquoted attribute value/);
    expect(problems[1]).toMatch(/^emailTemplate\.html: \{\{customerName\}\} at character 34 is in href, where only \{\{link\}\} may go/);
  });

  test.each([
    ['an unquoted attribute', '<p class={{priority}}>x</p>', /unquoted attribute value/],
    ['a tag\'s attribute list', '<p {{title}}>x</p>', /inside a tag, outside a quoted attribute value/],
    ['src', '<img src="https://x.example/{{caseId}}.png">', /in src, where only \{\{link\}\} may go/],
    ['style', '<p style="color: {{priority}}">x</p>', /in style, where no value may go/],
    ['an event handler', '<p onclick="{{title}}">x</p>', /in onclick, where no value may go/],
    ['a script', '<script>var t = "{{title}}";</script>', /inside <script>, where no value may go/],
    ['a style element', '<style>p { color: {{priority}} }</style>', /inside <style>, where no value may go/],
    ['link in style', '<p style="background: url({{link}})">x</p>', /in style, where no value may go/],
  ])('refused: a value in %s', (_, source, message) => {
    const problems = html(source);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  test.each([
    '<a href="{{link}}">{{title}}</a>',
    '<a href=\'{{link}}\' title="{{title}}">open</a>',
    '<img alt="{{customerName}}" src="{{link}}">',
    '{{#link}}<a href="{{link}}">ticket</a>{{/link}} <!-- {{title}} --> <p>{{title}}</p>',
    '<p data-case="{{caseId}}">{{employeeName}} &lt; {{priority}}</p>',
  ])('accepted: %s', (source) => {
    expect(html(source)).toEqual([]);
  });

  test('the default HTML template passes its own check', () => {
    expect(html(DEFAULT_EMAIL_TEMPLATES.html)).toEqual([]);
  });
});
