#!/usr/bin/env node
// Writes all generated code: the Prisma client (src/store/generated), the typed
// resolvers (src/graphql/generated) and the console's typed documents (console/src/gql).
// Never edit those folders by hand.
//
// `--scripts`: only what the operator scripts load when they run (the Prisma client),
// and only when it is missing or older than prisma/schema.prisma. The npm scripts
// db:migrate, import, apikey, export and policy:test run this first (their `pre` hooks), so they work on a
// fresh clone straight after `npm ci`; when the client is current it costs one start
// of node and two stat calls.
//
// `prisma generate` first tries to download Prisma's native schema engine, which it
// does not need for generation; on machines without access to Prisma's binary host
// that download fails. Pointing PRISMA_SCHEMA_ENGINE_BINARY at any executable skips it.
// A machine that has the binary keeps using it.
const { execFileSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.platform === 'win32' ? process.execPath : '/bin/true';
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';

const run = (command, args) => execFileSync(command, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
const prismaSchema = path.join(root, 'prisma', 'schema.prisma');
const prismaClient = path.join(root, 'src', 'store', 'generated', 'prisma', 'client.ts');

/** True when `output` is missing or older than `input`. */
const stale = (output, input) => !existsSync(output) || statSync(output).mtimeMs < statSync(input).mtimeMs;

const generatePrisma = () => {
  if (!existsSync(bin('prisma'))) {
    console.error('the Prisma client is not generated and the prisma CLI is not installed: run `npm ci` (with dev dependencies), then `npm run generate`');
    process.exit(1);
  }
  run(bin('prisma'), ['generate', '--schema', 'prisma/schema.prisma']);
};

if (process.argv.includes('--scripts')) {
  if (stale(prismaClient, prismaSchema)) {
    const started = Date.now();
    generatePrisma();
    console.error(`generated the Prisma client (src/store/generated/prisma) in ${Date.now() - started} ms`);
  }
} else {
  generatePrisma();
  run(bin('graphql-codegen'), ['--config', 'codegen.yml', '--silent']);
  console.log('generated: src/store/generated/prisma, src/graphql/generated/resolvers-types.ts, console/src/gql');
}
