# The worker image (one image, every role): `docker build -f infra/docker/worker.Dockerfile -t
# agiqa-worker .` from the repository root. The role is the command: `--role cpu` (workflows,
# splits, feature extraction, results) or `--role gpu --gpu-queue agiqa-gpu` (training, one device
# per process). A worker shares nothing on disk with others: AGIQA_HOME is its own scratch space
# and local cache; artefacts go to AGIQA_ARTIFACTS (s3://…). CPU workers also read the datasets'
# images (mount them read-only at the path they were registered with).
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip NX_DAEMON=false CI=1
COPY . .
RUN npm ci --no-fund --no-audit \
 && npx nx run-many -t build --projects=@agiqa/worker --outputStyle=static \
 && npm prune --omit=dev --no-fund --no-audit

FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production AGIQA_HOME=/var/lib/agiqa
COPY --from=build /app /app
RUN mkdir -p /var/lib/agiqa && chown node:node /var/lib/agiqa
USER node
# SIGTERM: running activities get the grace time, then are cancelled and retried on another worker.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "apps/worker/dist/main.js"]
CMD ["--role", "cpu"]
