#!/usr/bin/env node
// Writes all generated code: the Prisma client (src/store/generated), the typed
// resolvers (src/graphql/generated) and the console's typed documents (console/src/gql).
// Never edit those folders by hand.
//
// `prisma generate` first tries to download Prisma's native schema engine, which it
// does not need for generation; on machines without access to Prisma's binary host
// that download fails. Pointing PRISMA_SCHEMA_ENGINE_BINARY at any executable skips it
// (see ../shared/notes/prisma-offline.md). A machine that has the binary keeps using it.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.platform === 'win32' ? process.execPath : '/bin/true';
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';

const run = (command, args) => execFileSync(command, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
run(bin('prisma'), ['generate', '--schema', 'prisma/schema.prisma']);
run(bin('graphql-codegen'), ['--config', 'codegen.yml', '--silent']);
console.log('generated: src/store/generated/prisma, src/graphql/generated/resolvers-types.ts, console/src/gql');
