# The API + dashboard image: `docker build -f infra/docker/api.Dockerfile -t agiqa-api .` from the
# repository root. Configuration is environment only (libs/contracts EnvSchema); see infra/compose
# and infra/k8s for the variables a deployment sets. The API migrates the database at start-up.
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node's postinstall would download CUDA libraries; the CPU runtime is bundled.
ENV ONNXRUNTIME_NODE_INSTALL=skip NX_DAEMON=false CI=1
COPY . .
RUN npm ci --no-fund --no-audit \
 && npx nx run-many -t build --projects=@agiqa/api,@agiqa/dashboard --outputStyle=static \
 && npm prune --omit=dev --no-fund --no-audit

FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production AGIQA_HOME=/var/lib/agiqa AGIQA_API_HOST=0.0.0.0 AGIQA_API_PORT=8750
COPY --from=build /app /app
RUN mkdir -p /var/lib/agiqa && chown node:node /var/lib/agiqa
USER node
EXPOSE 8750
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:8750/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "apps/api/dist/main.js"]
