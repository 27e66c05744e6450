# syntax=docker/dockerfile:1
#
# One image per app, all from this file:
#   docker build --target launch           -t lti-grading/launch .
#   docker build --target credential-vault -t lti-grading/credential-vault .
#   docker build --target grading          -t lti-grading/grading .
#   docker build --target ltiaas-emulator  -t lti-grading/ltiaas-emulator .
#   docker build --target console          -t lti-grading/console .
# (no --target: grading). Every image holds the whole compiled monorepo, so
# any of them can also run `node scripts/migrate.mjs` or the backfill
# (`node dist/apps/grading/src/cli/backfill.js`).

ARG NODE_IMAGE=node:24-alpine

# ---- build: all dependencies, compile everything to dist/ -------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The optional embedded PostgreSQL is for machines without one; images never need it.
RUN npm ci --omit=optional --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY scripts ./scripts
COPY libs ./libs
COPY apps ./apps
COPY bench ./bench
COPY test/support ./test/support
RUN npm run build

# ---- deps: production dependencies only ------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

# ---- runtime: what every app image shares -----------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini reaps zombies and passes SIGTERM on, so the apps drain before they stop.
# /run/lti-secrets: where docker compose keeps generated local secrets (a new volume takes this owner).
RUN apk add --no-cache tini \
 && mkdir -p /run/lti-secrets \
 && chown node:node /run/lti-secrets \
 && chmod 0700 /run/lti-secrets
ENV NODE_ENV=production \
    HOST=0.0.0.0
WORKDIR /app
# Owned by root and read-only to the app user: the process cannot rewrite its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scripts/migrate.mjs scripts/db-roles.mjs ./scripts/
COPY scripts/lib ./scripts/lib
COPY deploy/docker ./deploy/docker
USER node
ENTRYPOINT ["/sbin/tini", "--", "/bin/sh", "/app/deploy/docker/entrypoint.sh"]
CMD ["sh", "-c", "exec node dist/apps/${APP}/src/main.js"]

# ---- one target per app -------------------------------------------------------
FROM runtime AS ltiaas-emulator
ENV APP=ltiaas-emulator
EXPOSE 3100
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${EMULATOR_PORT:-3100}/health/ready" || exit 1

FROM runtime AS launch
ENV APP=launch
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${LAUNCH_PORT:-3001}/health/ready" || exit 1

FROM runtime AS credential-vault
ENV APP=credential-vault
EXPOSE 3002
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${VAULT_PORT:-3002}/health/ready" || exit 1

# The operator console: its page is built into dist/apps/console/public with the rest.
FROM runtime AS console
ENV APP=console
EXPOSE 3004
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${CONSOLE_PORT:-3004}/health/ready" || exit 1

FROM runtime AS grading
ENV APP=grading
EXPOSE 3003
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${GRADING_PORT:-3003}/health/ready" || exit 1
