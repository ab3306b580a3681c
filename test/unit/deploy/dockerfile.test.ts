import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The Dockerfile, checked statically (no Docker engine here). */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1);

test('multi-stage: a build stage with dev dependencies, a runtime stage with production ones', () => {
  expect(stages).toHaveLength(2);
  expect(stages[0]).toMatch(/^\S+ AS build/);
  expect(stages[0]).toContain('npm ci');
  expect(stages[0]).toContain('npm run build');
  expect(stages[0]).toContain('npm prune --omit=dev');
  expect(stages[1]).toMatch(/^\S+ AS runtime/);
});

test('the runtime stage runs as a non-root user, on all interfaces, with a health check on /health', () => {
  const runtime = stages[1]!;
  expect(runtime).toMatch(/^USER node$/m);
  expect(runtime).toMatch(/HOST=0\.0\.0\.0/);
  expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/health/m);
  expect(runtime).toContain('CMD ["node", "dist/src/main.js"]');
});

test('the runtime stage has what the gateway reads at start: dist (with the generated client), node_modules, prisma/, schema/', () => {
  for (const dir of ['node_modules', 'dist', 'prisma', 'schema']) expect(stages[1]).toContain(`COPY --from=build /app/${dir} ./${dir}`);
});
