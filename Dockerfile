# syntax=docker/dockerfile:1
# authz-gateway: build with dev dependencies, run with production ones only, as a
# non-root user. `docker compose up` (docker-compose.yml) wires it to PostgreSQL and Redis.

# --- build: install everything, generate code (Prisma client, resolver types), compile.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are not needed (Prisma 7's client has no native engine) and would try
# to download engine binaries; the project's machines never run them either.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json codegen.yml ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY schema ./schema
COPY src ./src
# The generated Prisma client is TypeScript in src/store/generated: tsc compiles it
# into dist/ with the rest.
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: compiled code, production node_modules, the SDL and the migrations
# (applied at start).
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/schema ./schema
# The embedded database (no DATABASE_URL) writes to AUTHZ_DATA_DIR: give the user one.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000
# Liveness only; readiness (PostgreSQL and Redis) is GET /ready.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node as PID 1 gets SIGTERM from `docker stop` and shuts down cleanly (src/main.ts).
CMD ["node", "dist/src/main.js"]
