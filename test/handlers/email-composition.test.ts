/** The case email as Send Email composes it with the default templates (the engine: test/shared/template-engine.test.ts). */
import { NOW } from './unit-fixtures';
import { assignCase } from '../../src/handlers/case-assignment.lambda-shared';
import { composeCaseEmail } from '../../src/handlers/email-composition.lambda-shared';

describe('composeCaseEmail', () => {
  const assigned = assignCase({ caseId: '001', openedAt: NOW.toISOString() }, [{ id: 'x', name: 'Zoë <Admin>', email: 'z@example.com' }], NOW);
  const email = composeCaseEmail(assigned);

  test('is addressed to the assigned employee and names the case', () => {
    expect(email.to).toBe('z@example.com');
    expect(email.subject).toBe('New support case 001 is assigned to you');
    expect(email.text).toContain('Support case 001');
    expect(email.text).toContain('What to do next:');
    expect(email.html).toContain('<strong>001</strong>');
  });

  test('escapes HTML in names', () => {
    expect(email.html).toContain('Zoë &#60;Admin&#62;');
    expect(email.html).not.toContain('<Admin>');
    expect(email.text).toContain('Hello Zoë <Admin>,');
  });
});
