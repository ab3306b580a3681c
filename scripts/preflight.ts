// `npm run preflight -- --url http://gateway:4000`: the preflight, ten checks run end
// to end against a running gateway before it is promoted (not the readiness probe: that
// is GET /ready). Prints a table; exit status 0 only if every check passed.
import { parseArgs } from 'node:util';
import { ConfigError } from '../src/config/config';
import { loadPreflightConfig } from '../src/config/preflight';
import { useCredentials } from '../src/preflight/http-client';
import { runPreflightChecks } from '../src/preflight/checks';
import { formatTable } from '../src/preflight/table';

const USAGE = 'usage: npm run preflight -- --url <gateway base URL> [--min-speedup 1.5] [--samples 10]\n  credentials, when the gateway requires them: PREFLIGHT_TOKEN (an API key or JWT with authz:check) and METRICS_TOKEN (for /ready and /metrics)';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { url: { type: 'string' }, 'min-speedup': { type: 'string' }, samples: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help || !values.url) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    new URL(values.url);
  } catch {
    console.error(`--url: not a URL: ${values.url}\n${USAGE}`);
    return 2;
  }
  const minSpeedup = values['min-speedup'] === undefined ? undefined : Number(values['min-speedup']);
  const samples = values.samples === undefined ? undefined : Number(values.samples);
  if ((minSpeedup !== undefined && !(minSpeedup > 0)) || (samples !== undefined && !(Number.isInteger(samples) && samples > 0))) {
    console.error(`--min-speedup must be a positive number and --samples a positive whole number\n${USAGE}`);
    return 2;
  }
  const credentials = loadPreflightConfig();
  useCredentials(credentials.token ?? undefined, credentials.metricsToken ?? undefined);
  const results = await runPreflightChecks(values.url, { minSpeedup, samples });
  console.log(`preflight of ${values.url}\n`);
  console.log(formatTable(results));
  return results.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `preflight failed to run: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
