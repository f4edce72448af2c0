/** The acknowledgement's placeholders: the default wording with them, escaping, and the synth checks with and without the acknowledgement. */
import { acknowledgementTemplateValues } from '../../src/handlers/acknowledge-link.lambda-shared';
import { composeCaseEmail } from '../../src/handlers/email-composition.lambda-shared';
import { AssignedCase, CaseRecord } from '../../src/shared/contract';
import { checkEmailTemplate, compileEmailTemplates, DEFAULT_EMAIL_TEMPLATES } from '../../src/shared/template-engine';

const CASE: AssignedCase = {
  caseId: '001',
  openedAt: '2026-11-25T10:00:00.000Z',
  assignedAt: '2026-11-25T10:15:01.000Z',
  employee: { id: 'e2', name: 'Bo', email: 'bo@example.com' },
};
const URL = 'https://ack.example/?case=001&id=AAAAAAAAAAAAAAAAAAAAAA';
const ROUND_2 = {
  caseId: '001',
  ackRound: 2,
  escalations: [{ round: 1, employeeId: 'e1', employeeName: 'Ana <Admin>', assignedAt: CASE.openedAt, emailAmbiguousResends: 0, escalatedAt: CASE.assignedAt }],
} as unknown as CaseRecord;

describe('default templates with the acknowledgement', () => {
  test('without its values, the new sections render nothing (today\'s email)', () => {
    const stripped = compileEmailTemplates({
      text: DEFAULT_EMAIL_TEMPLATES.text.replace(/\{\{#escalatedFrom\}\}.*?\{\{\/escalatedFrom\}\}|\{\{#acknowledgeUrl\}\}.*?\{\{\/acknowledgeUrl\}\}/gs, ''),
      html: DEFAULT_EMAIL_TEMPLATES.html.replace(/\{\{#escalatedFrom\}\}.*?\{\{\/escalatedFrom\}\}|\{\{#acknowledgeUrl\}\}.*?\{\{\/acknowledgeUrl\}\}/gs, ''),
    });
    expect(composeCaseEmail(CASE)).toEqual(composeCaseEmail(CASE, stripped));
    expect(composeCaseEmail(CASE).text).not.toMatch(/Acknowledge|Escalated/);
  });

  test('round 1: the link; round 2: who had it and after how long, escaped in HTML', () => {
    const first = composeCaseEmail(CASE, undefined, acknowledgementTemplateValues({ caseId: '001' } as CaseRecord, URL, 900));
    expect(first.text).toContain(`is now yours.\n\nAcknowledge the case: ${URL}\n\nWhat to do next:`);
    expect(first.html).toContain('<p><a href="https://ack.example/?case=001&#38;id=AAAAAAAAAAAAAAAAAAAAAA" target="_blank" rel="noopener noreferrer">Acknowledge the case</a></p>');
    expect(first.text).not.toContain('Escalated');
    const second = composeCaseEmail(CASE, undefined, acknowledgementTemplateValues(ROUND_2, URL, 900));
    expect(second.text).toContain('is now yours.\nEscalated from Ana <Admin> after 15 minutes.\n\nAcknowledge the case:');
    expect(second.html).toContain('<p>Escalated from Ana &#60;Admin&#62; after 15 minutes.</p>');
    const custom = compileEmailTemplates({ subject: 'Case {{caseId}}, round {{round}}{{#escalatedFrom}} (from {{escalatedFrom}}){{/escalatedFrom}}' });
    expect(composeCaseEmail(CASE, custom, acknowledgementTemplateValues(ROUND_2, URL, 3600)).subject).toBe('Case 001, round 2 (from Ana <Admin>)');
  });
});

describe('synth checks', () => {
  test('the defaults pass with and without the acknowledgement', () => {
    for (const part of ['subject', 'text', 'html'] as const) {
      expect(checkEmailTemplate(DEFAULT_EMAIL_TEMPLATES[part], `emailTemplate.${part}`, part)).toEqual([]);
      expect(checkEmailTemplate(DEFAULT_EMAIL_TEMPLATES[part], `emailTemplate.${part}`, part, { acknowledgement: true })).toEqual([]);
    }
  });

  test('without the acknowledgement, a value outside its section is refused, naming the prop', () => {
    const problems = checkEmailTemplate('Ack: {{acknowledgeUrl}} ({{round}})', 'emailTemplate.text', 'text');
    expect(problems).toEqual([expect.stringMatching(/^emailTemplate\.text: \{\{acknowledgeUrl\}\}, \{\{round\}\} are empty without the acknowledgement prop/)]);
    expect(checkEmailTemplate('{{#acknowledgeUrl}}Ack: {{acknowledgeUrl}}{{/acknowledgeUrl}}', 'emailTemplate.text', 'text')).toEqual([]);
    expect(checkEmailTemplate('{{^acknowledgeUrl}}{{round}}{{/acknowledgeUrl}}', 'emailTemplate.text', 'text')).toHaveLength(1);
    expect(checkEmailTemplate('Ack: {{acknowledgeUrl}}', 'emailTemplate.text', 'text', { acknowledgement: true })).toEqual([]);
  });

  test('{{acknowledgeUrl}} may be a whole URL attribute, like {{link}}, and nothing else may', () => {
    const on = { acknowledgement: true };
    expect(checkEmailTemplate('<a href="{{acknowledgeUrl}}">ack</a>', 'emailTemplate.html', 'html', on)).toEqual([]);
    expect(checkEmailTemplate('<a href="x{{acknowledgeUrl}}">ack</a>', 'emailTemplate.html', 'html', on)).toEqual([expect.stringMatching(/in href, where only \{\{link\}\} may go/)]);
    expect(checkEmailTemplate('<a href="{{escalatedFrom}}">x</a>', 'emailTemplate.html', 'html', on)).toHaveLength(1);
  });
});
