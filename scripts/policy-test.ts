// `npm run policy:test -- FILE... [--reporter junit [--out FILE]]`: runs assertion files
// (YAML or JSON) against their policies in a throwaway in-memory database, with the
// gateway's decision code. Exit 0: all passed; 1: an assertion failed; 2: a file is
// invalid (each problem with its path) or the arguments are.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AssertionFileError, loadAssertionFile } from '../src/policy-test/assertion-file';
import { type FileOutcome, junitXml, summary, textLines } from '../src/policy-test/report';
import { runAssertionFile } from '../src/policy-test/runner';

const USAGE = 'usage: npm run policy:test -- <file.yaml|file.json>... [--reporter junit [--out <report.xml>]]';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ options: { reporter: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const problems = [
    ...(positionals.length === 0 ? ['name at least one assertion file'] : []),
    ...(values.reporter !== undefined && values.reporter !== 'junit' ? [`--reporter must be junit (got "${values.reporter}")`] : []),
    ...(values.out !== undefined && values.reporter !== 'junit' ? ['--out goes with --reporter junit'] : []),
    ...(values.out === '' ? ['--out needs a file name'] : []),
  ];
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\n${USAGE}`);
    return 2;
  }
  // JUnit XML without --out goes to stdout, so the lines for people go to stderr.
  const say = values.reporter === 'junit' && values.out === undefined ? (line: string) => console.error(line) : (line: string) => console.log(line);

  const outcomes: FileOutcome[] = [];
  for (const file of positionals) {
    let outcome: FileOutcome;
    try {
      outcome = { file, results: await runAssertionFile(await loadAssertionFile(file)) };
    } catch (error) {
      if (!(error instanceof AssertionFileError)) throw error;
      outcome = { file, problems: error.problems };
    }
    outcomes.push(outcome);
    for (const line of textLines(outcome)) (outcome.problems ? console.error : say)(line);
  }
  const total = summary(outcomes);
  say(total.line);
  if (values.reporter === 'junit') {
    if (values.out) await writeFile(values.out, junitXml(outcomes));
    else process.stdout.write(junitXml(outcomes));
  }
  return total.invalid > 0 ? 2 : total.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`policy:test failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
