# syntax=docker/dockerfile:1
# One image for every role: `docker run IMAGE start --roles api` (or ROLES=api). See deploy/README.md.
# Checked by deploy/docker/dockerfile.test.ts.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Only the manifests, so the dependency layers are rebuilt when the lockfile changes, not the code.
FROM base AS manifests
COPY package.json package-lock.json ./
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
COPY packages/contracts/package.json packages/contracts/
COPY packages/core/package.json packages/core/
COPY packages/loadgen/package.json packages/loadgen/
COPY packages/platform/package.json packages/platform/
COPY packages/sdk/package.json packages/sdk/
COPY packages/topology/package.json packages/topology/

# Every dependency, dev ones included: the web client is built with vite.
FROM manifests AS deps
RUN npm ci

FROM deps AS build
COPY . .
RUN npm run build:web

# What the server needs at run time (tsx runs its TypeScript; there is no server build step).
FROM manifests AS prod-deps
RUN npm ci --omit=dev && npm cache clean --force

FROM base AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/var/lib/graminsta
COPY --from=prod-deps /app ./
COPY tsconfig.json ./
COPY packages packages
COPY apps/server apps/server
COPY --from=build /app/apps/web/dist apps/web/dist
# The code stays root-owned and read-only to the app; only the data folder belongs to it.
RUN mkdir -p /var/lib/graminsta && chown 1000:1000 /var/lib/graminsta
# Numeric (the image's `node` user), so Kubernetes can check runAsNonRoot without a passwd lookup.
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "apps/server/bin/graminsta.mjs"]
CMD ["start"]
