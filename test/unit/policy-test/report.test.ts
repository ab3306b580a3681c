import { junitXml, summary, textLines } from '../../../src/policy-test/report';

const outcomes = [
  {
    file: 'a.yaml',
    results: [
      { test: 'editors', label: 'check bob in acme document:edit: allowed', passed: true, diff: [] },
      { test: 'a <"quoted"> & test', label: 'whoCan acme a:b', passed: false, diff: ['expected users: [bob]', 'actual users:   []', '- missing:    [bob]'] },
    ],
  },
  { file: 'bad.yaml', problems: ['$.now: must be an ISO 8601 date-time (line 2)'] },
];

test('text: one line per assertion, the difference under a failure, problems of an invalid file', () => {
  expect(textLines(outcomes[0]!)).toEqual([
    'a.yaml',
    '  ✓ editors › check bob in acme document:edit: allowed',
    '  ✗ a <"quoted"> & test › whoCan acme a:b',
    '      expected users: [bob]',
    '      actual users:   []',
    '      - missing:    [bob]',
  ]);
  expect(textLines(outcomes[1]!)).toEqual(['bad.yaml: invalid, not run', '  $.now: must be an ISO 8601 date-time (line 2)']);
  expect(summary(outcomes).line).toBe('1 passed, 1 failed, 1 invalid file');
  expect(summary([outcomes[0]!]).line).toBe('1 passed, 1 failed');
});

test('JUnit XML: escaped, a failure with its difference, an error for an invalid file', () => {
  expect(junitXml(outcomes)).toBe(
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<testsuites name="policy:test" tests="3" failures="1" errors="1">',
      '  <testsuite name="a.yaml" tests="2" failures="1" errors="0">',
      '    <testcase classname="editors" name="check bob in acme document:edit: allowed"/>',
      '    <testcase classname="a &lt;&quot;quoted&quot;&gt; &amp; test" name="whoCan acme a:b">',
      '      <failure message="expected users: [bob]">expected users: [bob]\nactual users:   []\n- missing:    [bob]</failure>',
      '    </testcase>',
      '  </testsuite>',
      '  <testsuite name="bad.yaml" tests="1" failures="0" errors="1">',
      '    <testcase classname="bad.yaml" name="the file is valid">',
      '      <error message="1 problem(s)">$.now: must be an ISO 8601 date-time (line 2)</error>',
      '    </testcase>',
      '  </testsuite>',
      '</testsuites>',
      '',
    ].join('\n'),
  );
});
