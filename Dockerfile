# syntax=docker/dockerfile:1
# Build stage: dev dependencies and the TypeScript compiler, thrown away after the build.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The explorer and live page: bundled from node_modules into dist/web (no CDN at run time).
COPY web ./web
RUN npm run build

# Runtime stage: production dependencies only, compiled JS, SDL, migrations and the sample digests.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema ./schema
COPY migrations ./migrations
COPY examples ./examples
# /docs/api serves the README's API section.
COPY README.md ./
# The embedded database (used when DATABASE_URL is unset) lives in a volume owned by the runtime user.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve"]
