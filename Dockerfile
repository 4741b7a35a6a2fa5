# Herald gateway image: multi-stage (build with compilers and dev dependencies, run with neither),
# non-root, healthcheck on /readyz, SIGTERM handled by the gateway itself as PID 1.
#   docker build -t herald .
#   docker run -p 8080:8080 -e HERALD_API_KEYS=$(openssl rand -hex 16) herald

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source where no prebuilt binary is reachable.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# `npm install` (not `npm ci`, see README) runs the root `prepare` script, which builds dist/.
RUN npm install --no-audit --no-fund \
  && npm prune --omit=dev --no-audit --no-fund \
  && rm -rf packages/*/src packages/*/test bench docs scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HERALD_STORE_PATH=/data/herald.db
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# /readyz is 503 while draining or while the broker is unavailable.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HERALD_PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# `herald serve` drains connections on SIGTERM and exits 0 (it installs its own handlers, so
# running as PID 1 without an init is fine).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "packages/server/bin/herald.js"]
CMD ["serve"]
