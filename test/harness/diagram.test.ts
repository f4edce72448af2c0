import {
  DIAGRAM_END_MARKER,
  DIAGRAM_START_MARKER,
  hasDiagramMarkers,
  mermaidFromDefinition,
  readmeDiagram,
  renderReadmeDiagram,
} from '../../harness/diagram';

describe('mermaidFromDefinition', () => {
  /** A small workflow: one task with a retry and a catch, a pass state and a fail state. */
  const definition = () => ({
    StartAt: 'Do Work',
    States: {
      'Do Work': {
        Type: 'Task',
        Resource: 'arn:aws:lambda:eu-west-1:111111111111:function:work',
        Retry: [{ ErrorEquals: ['Busy', 'Lambda.TooManyRequestsException'], MaxAttempts: 4 }],
        Catch: [{ ErrorEquals: ['Broken'], Next: 'Log It' }],
        Next: 'Save',
      },
      'Save': { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', End: true },
      'Log It': { Type: 'Pass', Next: 'Give Up' },
      'Give Up': { Type: 'Fail', Error: 'WorkFailed' },
    },
  });

  const EXPECTED = [
    'stateDiagram-v2',
    '  state "Do Work" as s_Do_Work',
    '  s_Do_Work : Task: Lambda function',
    '  state "Save" as s_Save',
    '  s_Save : Task: dynamodb:putItem',
    '  state "Log It" as s_Log_It',
    '  s_Log_It : Pass',
    '  state "Give Up" as s_Give_Up',
    '  s_Give_Up : Fail: WorkFailed',
    '  [*] --> s_Do_Work',
    '  s_Do_Work --> s_Save',
    '  s_Do_Work --> s_Log_It : catch Broken',
    '  note right of s_Do_Work',
    '    retry up to 4 times:',
    '      Busy, Lambda.TooManyRequestsException',
    '  end note',
    '  s_Save --> [*]',
    '  s_Log_It --> s_Give_Up',
    '  s_Give_Up --> [*]',
    '  classDef fail fill:#fde2e2,stroke:#c62828,color:#7f0000',
    '  class s_Give_Up fail',
    '',
  ].join('\n');

  test('renders states, transitions, catches, retries and the fail state', () => {
    expect(mermaidFromDefinition(definition())).toBe(EXPECTED);
  });

  test('is deterministic and ignores the order of keys within a state', () => {
    const reordered = definition() as any;
    const work = reordered.States['Do Work'];
    reordered.States['Do Work'] = { Next: work.Next, Catch: work.Catch, Retry: work.Retry, Resource: work.Resource, Type: work.Type };
    expect(mermaidFromDefinition(definition())).toBe(mermaidFromDefinition(definition()));
    expect(mermaidFromDefinition(reordered)).toBe(EXPECTED);
  });

  test.each<[string, (d: any) => void, RegExp]>([
    ['a transition', (d) => { d.States['Log It'].Next = 'Save'; }, /s_Log_It --> s_Save\n/],
    ['the end of the workflow', (d) => { delete d.States.Save.End; d.States.Save.Next = 'Give Up'; }, /s_Save --> s_Give_Up\n/],
    ['a caught error', (d) => { d.States['Do Work'].Catch[0].ErrorEquals = ['States.ALL']; }, /catch States\.ALL\n/],
    ['a retry limit', (d) => { d.States['Do Work'].Retry[0].MaxAttempts = 1; }, /retry up to 1 time:\n/],
    ['a retried error', (d) => { d.States['Do Work'].Retry[0].ErrorEquals = ['Busy']; }, /retry up to 4 times:\n {6}Busy\n/],
    ['a state name', (d) => {
      d.States.Quit = d.States['Give Up'];
      delete d.States['Give Up'];
      d.States['Log It'].Next = 'Quit';
    }, /state "Quit" as s_Quit\n/],
    ['a state type', (d) => { d.States['Log It'].Type = 'Succeed'; delete d.States['Log It'].Next; }, /s_Log_It : Succeed\n/],
  ])('changes when %s changes', (_what, change, shows) => {
    const changed = definition();
    change(changed);
    const output = mermaidFromDefinition(changed);
    expect(output).not.toBe(EXPECTED);
    expect(output).toMatch(shows);
  });

  test('a retry without MaxAttempts shows the ASL default of 3', () => {
    const d = definition() as any;
    delete d.States['Do Work'].Retry[0].MaxAttempts;
    expect(mermaidFromDefinition(d)).toContain('retry up to 3 times:');
  });

  test('Choice rules, Parallel branches and Map processors', () => {
    const output = mermaidFromDefinition({
      StartAt: 'Route',
      States: {
        Route: {
          Type: 'Choice',
          Choices: [
            { Variable: '$.n', NumericGreaterThan: 5, Next: 'Both' },
            { And: [{ Variable: '$.s', StringEquals: 'x' }, { Not: { Variable: '$.t', IsPresent: true } }], Next: 'Each' },
          ],
          Default: 'Done',
        },
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Wait', Seconds: 10, End: true } } },
          ],
          Next: 'Done',
        },
        Each: { Type: 'Map', ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } }, Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
    });
    expect(output).toContain('s_Route --> s_Both : $.n > 5\n');
    expect(output).toContain('s_Route --> s_Each : ($.s == "x") and (not ($.t is present))\n');
    expect(output).toContain('s_Route --> s_Done : otherwise\n');
    expect(output).toContain('state "Both (Parallel)" as s_Both {\n    state "A" as s_A\n');
    expect(output).toContain('\n    --\n    state "B" as s_B\n    s_B : Wait 10 s\n');
    expect(output).toContain('state "Each (Map)" as s_Each {\n    state "Item" as s_Item\n');
    expect(output).toContain('class s_Done succeed');
  });

  test('names that Mermaid would misread are escaped, and ids stay unique', () => {
    const output = mermaidFromDefinition({
      StartAt: 'Say "hi" <b>',
      States: {
        'Say "hi" <b>': { Type: 'Pass', Next: 'Say hi b' },
        'Say hi b': { Type: 'Fail', Error: 'A;B' },
      },
    });
    expect(output).toContain('state "Say &quot;hi&quot; &lt;b&gt;" as s_Say_hi_b\n');
    expect(output).toContain('state "Say hi b" as s_Say_hi_b_2\n');
    expect(output).toContain('s_Say_hi_b --> s_Say_hi_b_2\n');
    expect(output).toContain('s_Say_hi_b_2 : Fail: A\uFF1BB\n');
  });

  test('rejects what is not a definition, and transitions to unknown states', () => {
    expect(() => mermaidFromDefinition({})).toThrow(/not a state machine definition/);
    expect(() => mermaidFromDefinition({ StartAt: 'X', States: {} })).toThrow(/not a state machine definition/);
    const d = definition();
    d.States.Save = { ...d.States.Save, Next: 'Nowhere' } as any;
    expect(() => mermaidFromDefinition(d)).toThrow(/"Save" goes to "Nowhere"/);
  });
});

describe('renderReadmeDiagram', () => {
  const README = `# Title\n\n${DIAGRAM_START_MARKER}\nold diagram\n${DIAGRAM_END_MARKER}\n\n## After\n`;
  const MERMAID = 'stateDiagram-v2\n  [*] --> s_A\n';

  test('replaces only the text between the markers with a mermaid block', () => {
    const out = renderReadmeDiagram(README, MERMAID);
    expect(out.startsWith(`# Title\n\n${DIAGRAM_START_MARKER}\n`)).toBe(true);
    expect(out.endsWith(`\`\`\`\n${DIAGRAM_END_MARKER}\n\n## After\n`)).toBe(true);
    expect(out).toContain('```mermaid\nstateDiagram-v2\n  [*] --> s_A\n```');
    expect(out).not.toContain('old diagram');
    expect(readmeDiagram(out)).toBe(MERMAID);
  });

  test('is idempotent, and a different diagram gives a different README', () => {
    const once = renderReadmeDiagram(README, MERMAID);
    expect(renderReadmeDiagram(once, MERMAID)).toBe(once);
    expect(renderReadmeDiagram(once, MERMAID.replace('s_A', 's_B'))).not.toBe(once);
  });

  test('fails clearly without the markers, or with them repeated or swapped', () => {
    for (const readme of [
      '# no markers\n',
      `${DIAGRAM_START_MARKER}\n`,
      `${DIAGRAM_END_MARKER}\n${DIAGRAM_START_MARKER}\n`,
      `${DIAGRAM_START_MARKER}\n${DIAGRAM_END_MARKER}\n${DIAGRAM_START_MARKER}\n${DIAGRAM_END_MARKER}\n`,
    ]) {
      expect(hasDiagramMarkers(readme)).toBe(false);
      expect(readmeDiagram(readme)).toBeUndefined();
      expect(() => renderReadmeDiagram(readme, MERMAID)).toThrow(/must hold the markers/);
    }
  });
});
