# Build stage: compiles TypeScript and builds better-sqlite3's native module against this Node.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: no compiler, no dev dependencies, runs as the unprivileged node user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 OUTPOST_DB=/data/outpost.db
# Two malloc arenas instead of one per thread: the compression threads would each keep their own
# few megabytes of freed memory resident (glibc only; the benchmark starts Outpost with it too).
ENV MALLOC_ARENA_MAX=2
# Blocks over 128 KB (brotli's tables for the front page) are mapped and given back when freed;
# glibc would otherwise raise this threshold after the first such free and keep them: about 10 MB
# less at peak in the benchmark.
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY views ./views
COPY public ./public
COPY demo ./demo
COPY bin ./bin
# outpost.yaml is optional: without it the bundled demo runs.
COPY package.json outpost.yaml* ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
# --max-semi-space-size=2: a 2 MB young generation (V8's default is up to 16 MB per semi-space):
# request garbage is short-lived and small. --heap-growing-percent=50: a full collection once the
# old generation has grown by half, not by up to four times: each rebuild retires the previous
# snapshot (about a megabyte), and V8 would otherwise let that pile up past 90 MB before collecting.
# Together they keep the server under 150 MB resident; npm start and the benchmark use the same flags.
CMD ["node", "--enable-source-maps", "--max-semi-space-size=2", "--heap-growing-percent=50", "dist/src/server.js"]
