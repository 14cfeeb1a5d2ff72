# syntax=docker/dockerfile:1
# Two images from one build:
#   docker build --target functions -t <registry>/tekton-events-functions:<version> .
#   docker build --target forwarder -t <registry>/tekton-events-forwarder:<version> .
# Both run as the unprivileged `node` user (uid 1000) on node:20, with production dependencies only.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# no install scripts and no optional packages: the embedded Postgres binaries are for `npm start`/tests only
RUN npm ci --ignore-scripts --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY shared ./shared
COPY functions ./functions
COPY forwarder ./forwarder
COPY infra ./infra
COPY api ./api
COPY scripts ./scripts
COPY sample ./sample
RUN npm run build

FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# migrations, found beside dist/ by shared/db/migrate.ts (npm run infra applies them)
COPY --chown=root:root sql ./sql
# files stay root-owned and read-only for the process
USER node

FROM runtime AS functions
ENV PORT=8080
EXPOSE 8080
# functions-framework serves one target of package.json main (dist/functions/index.js): pass --target=ingest|query|healthz|cleanup
ENTRYPOINT ["node", "node_modules/@google-cloud/functions-framework/build/src/main.js", "--signature-type=http"]
CMD ["--target=query"]

FROM runtime AS forwarder
# V8 heap sized for the pod, not the node (forwarder/nodeOptions.ts says why; keep them equal)
ENV NODE_OPTIONS="--max-old-space-size=96 --max-semi-space-size=2"
EXPOSE 9090
ENTRYPOINT ["node", "dist/forwarder/main.js"]
