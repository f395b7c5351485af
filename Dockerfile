# One image recipe for every Holdfast service; the service is a build argument:
#   docker build --build-arg SERVICE=gateway -t holdfast/gateway .
# Sources run through swc at load time (bin/register.js), as in development, so the image
# holds the sources and the production dependencies.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ARG SERVICE
RUN test -n "$SERVICE" || (echo "build with --build-arg SERVICE=<gateway|auth|inventory|scheduler|backup-worker|retention|catalog|recovery>" >&2; exit 1)
ENV NODE_ENV=production \
    HOLDFAST_SERVICE=${SERVICE}
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.base.json .swcrc ./
COPY bin ./bin
COPY libs ./libs
COPY apps ./apps
RUN test -f "apps/${SERVICE}/src/main.ts" || (echo "unknown service ${SERVICE}" >&2; exit 1)
USER node
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "exec node bin/ts-run.js apps/${HOLDFAST_SERVICE}/src/main.ts"]
