# syntax=docker/dockerfile:1
# authz-gateway: build with every dependency, run with what the runtime loads only, as a
# non-root user. Build with `--format docker` under podman (OCI images drop HEALTHCHECK).
# docs/deploy-containers.md: building, running, Compose; test/image/run.sh runs this image.

# --- build: install everything, generate code (Prisma client, resolver and console
# types), compile the server and the operator scripts, bundle the console.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are not needed (Prisma 7's client has no native engine) and would try
# to download engine binaries.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json codegen.yml ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY schema ./schema
COPY src ./src
COPY console ./console
# The generated Prisma client is TypeScript in src/store/generated: tsc compiles it into
# dist/ with the rest; scripts/*.ts become dist/scripts/*.js.
RUN npm run build
# Keep only what the runtime loads:
# - no dev dependencies, and none of the optional ones: the Prisma CLI, TypeScript and
#   React arrive as optional peers of @prisma/client; the rest are platform binaries;
# - no tsx: the image runs compiled JavaScript (dist/), operator scripts included;
# - of Prisma's query compilers, PostgreSQL's only (the generated client loads it for
#   both PostgreSQL and the embedded PGlite); no source maps of its runtime.
RUN npm prune --omit=dev --omit=optional --omit=peer --ignore-scripts --no-audit --no-fund \
 && npm uninstall --no-save --omit=dev --omit=optional --omit=peer --ignore-scripts --no-audit --no-fund tsx \
 && cd node_modules/@prisma/client/runtime \
 && rm -f ./*.mysql.* ./*.sqlite.* ./*.sqlserver.* ./*.cockroachdb.* ./*.map \
 && test -f query_compiler_fast_bg.postgresql.wasm-base64.js

# --- runtime: compiled code, the console, production node_modules, the SDL and the
# migrations (applied at start, or by `node dist/scripts/db-migrate.js`).
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/console/dist ./console/dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/schema ./schema
# The embedded database (no DATABASE_URL) writes to AUTHZ_DATA_DIR (.data): give the
# user one; mount a volume there to keep it.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000
# Liveness only; readiness (PostgreSQL and Redis) is GET /ready.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node as PID 1 gets SIGTERM from `docker stop` and shuts down cleanly within 10 s
# (src/main.ts); give it a stop timeout above that. --no-parallel-scavenge, as `npm
# start`: young-generation collections on the thread that allocates, not spread over
# V8's helper threads, which on one or two CPUs (the manifests' limits) wait for cores
# (docs/operations.md, "Garbage collection").
CMD ["node", "--no-parallel-scavenge", "dist/src/main.js"]
