import { readFileSync } from 'node:fs';
import {
  DIAGRAM_END_MARKER,
  DIAGRAM_START_MARKER,
  UPDATE_COMMAND,
  definitionOfExample,
  hasDiagramMarkers,
  mermaidFromDefinition,
  readmeDiagram,
  renderReadmeDiagram,
} from '../../harness/diagram';
import { README_PATH } from '../../harness/readme-section';

describe('README workflow diagram', () => {
  const readme = readFileSync(README_PATH, 'utf8');
  let generated: string;
  beforeAll(() => {
    generated = mermaidFromDefinition(definitionOfExample());
  });

  test(`is the one generated from the synthesized state machine definition (to update: ${UPDATE_COMMAND})`, () => {
    if (!hasDiagramMarkers(readme)) {
      throw new Error(`README.md must hold the markers ${DIAGRAM_START_MARKER} and ${DIAGRAM_END_MARKER} `
        + `(once each, in that order) where the workflow diagram goes; then run \`${UPDATE_COMMAND}\`.`);
    }
    if (readmeDiagram(readme) === undefined) {
      throw new Error(`README.md has no \`\`\`mermaid block between its diagram markers: run \`${UPDATE_COMMAND}\`.`);
    }
    // Compared as Mermaid text first, for a readable diff; then the whole README, so that
    // the block around it is exactly what the generator writes too.
    expect(readmeDiagram(readme)).toBe(generated);
    expect(renderReadmeDiagram(readme, generated)).toBe(readme);
  });

  test('shows the workflow of the construct: steps, failure path, catches and retries', () => {
    const lines = generated.split('\n').map((l) => l.trim());
    expect(lines).toEqual(expect.arrayContaining([
      'stateDiagram-v2',
      '[*] --> s_Open_Case',
      's_Open_Case --> s_Assign_Case',
      's_Assign_Case --> s_Send_Email',
      's_Send_Email --> [*]',
      's_Open_Case --> s_Case_Failed : catch States.ALL',
      's_Assign_Case --> s_Record_Failure : catch States.ALL',
      's_Send_Email --> s_Record_Failure : catch States.ALL',
      's_Record_Failure --> s_Case_Failed',
      's_Record_Failure --> s_Failure_Not_Recorded : catch States.ALL',
      's_Failure_Not_Recorded --> s_Case_Failed',
      's_Case_Failed : Fail',
      's_Record_Failure : Task: dynamodb:updateItem',
      'retry up to 6 times:',
      'DependencyUnavailable',
      'EmailSendInProgress',
      'class s_Case_Failed fail',
    ]));
    // No account-specific names (function names, ARNs) leak into the picture.
    expect(generated).not.toMatch(/arn:aws:lambda|123456789012/);
  });
});
