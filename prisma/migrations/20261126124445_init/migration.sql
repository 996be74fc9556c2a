-- CreateEnum
CREATE TYPE "DatasetFormat" AS ENUM ('agiqa3k', 'aigciqa2023', 'manifest');

-- CreateEnum
CREATE TYPE "SplitUnit" AS ENUM ('image', 'prompt', 'generator');

-- CreateEnum
CREATE TYPE "FeatureKind" AS ENUM ('image', 'text');

-- CreateEnum
CREATE TYPE "SweepStatus" AS ENUM ('pending', 'running', 'completed', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('pending', 'running', 'completed', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "TrainingMode" AS ENUM ('frozen', 'finetune');

-- CreateEnum
CREATE TYPE "ReportRule" AS ENUM ('last', 'best-on-val', 'best-on-test');

-- CreateEnum
CREATE TYPE "OverlapPolicy" AS ENUM ('skip', 'buffer_one', 'allow_all', 'cancel_other');

-- CreateTable
CREATE TABLE "Dataset" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "name" TEXT NOT NULL,
    "format" "DatasetFormat" NOT NULL,
    "root" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "itemCount" INTEGER NOT NULL,
    "labels" TEXT[],
    "summary" JSONB NOT NULL,

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatasetItem" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "datasetId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "imagePath" TEXT NOT NULL,
    "sourcePath" TEXT,
    "prompt" TEXT NOT NULL,
    "promptKey" TEXT NOT NULL,
    "generator" TEXT NOT NULL,
    "mos" JSONB NOT NULL,
    "mosStd" JSONB,

    CONSTRAINT "DatasetItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SplitManifest" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "datasetId" TEXT NOT NULL,
    "unit" "SplitUnit" NOT NULL,
    "trainRatio" DOUBLE PRECISION NOT NULL,
    "valRatio" DOUBLE PRECISION NOT NULL,
    "seed" INTEGER NOT NULL,
    "repeat" INTEGER NOT NULL,
    "trainKeys" TEXT[],
    "valKeys" TEXT[],
    "testKeys" TEXT[],
    "hash" TEXT NOT NULL,

    CONSTRAINT "SplitManifest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FeatureSet" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "key" TEXT NOT NULL,
    "datasetId" TEXT NOT NULL,
    "kind" "FeatureKind" NOT NULL,
    "encoderName" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "revision" TEXT NOT NULL,
    "dtype" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "dim" INTEGER NOT NULL,
    "itemCount" INTEGER NOT NULL,
    "extractMs" INTEGER NOT NULL,

    CONSTRAINT "FeatureSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Sweep" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "name" TEXT,
    "grid" JSONB NOT NULL,
    "status" "SweepStatus" NOT NULL DEFAULT 'pending',
    "cellCount" INTEGER NOT NULL,
    "executions" INTEGER NOT NULL DEFAULT 1,
    "workflowId" TEXT,
    "scheduleId" TEXT,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Sweep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Run" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "sweepId" TEXT NOT NULL,
    "cellKey" TEXT NOT NULL,
    "datasetId" TEXT NOT NULL,
    "splitManifestId" TEXT,
    "textEncoder" TEXT NOT NULL,
    "imageEncoder" TEXT NOT NULL,
    "fusion" TEXT NOT NULL,
    "splitRepeat" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "config" JSONB NOT NULL,
    "trainingMode" "TrainingMode" NOT NULL DEFAULT 'frozen',
    "reportRule" "ReportRule" NOT NULL DEFAULT 'last',
    "status" "RunStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "backend" TEXT,
    "machine" JSONB,
    "epochsDone" INTEGER NOT NULL DEFAULT 0,
    "reportedEpoch" INTEGER,
    "srcc" DOUBLE PRECISION,
    "plcc" DOUBLE PRECISION,
    "plccLogistic" DOUBLE PRECISION,
    "krcc" DOUBLE PRECISION,
    "rmse" DOUBLE PRECISION,
    "checkpointUri" TEXT,
    "error" TEXT,
    "workflowId" TEXT,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunAttempt" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "runId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "workflowId" TEXT NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'running',
    "error" TEXT,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "RunAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EpochMetric" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "runId" TEXT NOT NULL,
    "epoch" INTEGER NOT NULL,
    "trainLoss" DOUBLE PRECISION NOT NULL,
    "valSrcc" DOUBLE PRECISION,
    "valPlcc" DOUBLE PRECISION,
    "testSrcc" DOUBLE PRECISION NOT NULL,
    "testPlcc" DOUBLE PRECISION NOT NULL,
    "durationMs" INTEGER NOT NULL,

    CONSTRAINT "EpochMetric_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Prediction" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "runId" TEXT NOT NULL,
    "itemId" TEXT NOT NULL,
    "predicted" DOUBLE PRECISION NOT NULL,
    "mos" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "Prediction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TimingMeasurement" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "runId" TEXT,
    "textEncoder" TEXT NOT NULL,
    "imageEncoder" TEXT NOT NULL,
    "fusion" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "batchSize" INTEGER NOT NULL,
    "samples" INTEGER NOT NULL,
    "medianMs" DOUBLE PRECISION NOT NULL,
    "p90Ms" DOUBLE PRECISION NOT NULL,
    "backend" TEXT NOT NULL,
    "machine" JSONB NOT NULL,

    CONSTRAINT "TimingMeasurement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Schedule" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "name" TEXT NOT NULL,
    "grid" JSONB NOT NULL,
    "cron" TEXT,
    "intervalSeconds" INTEGER,
    "overlap" "OverlapPolicy" NOT NULL DEFAULT 'skip',
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "temporalScheduleId" TEXT NOT NULL,

    CONSTRAINT "Schedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Dataset_name_key" ON "Dataset"("name");

-- CreateIndex
CREATE INDEX "DatasetItem_datasetId_position_idx" ON "DatasetItem"("datasetId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "DatasetItem_datasetId_key_key" ON "DatasetItem"("datasetId", "key");

-- CreateIndex
CREATE INDEX "SplitManifest_hash_idx" ON "SplitManifest"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "SplitManifest_datasetId_unit_trainRatio_valRatio_seed_repea_key" ON "SplitManifest"("datasetId", "unit", "trainRatio", "valRatio", "seed", "repeat");

-- CreateIndex
CREATE UNIQUE INDEX "FeatureSet_key_key" ON "FeatureSet"("key");

-- CreateIndex
CREATE INDEX "FeatureSet_datasetId_kind_idx" ON "FeatureSet"("datasetId", "kind");

-- CreateIndex
CREATE INDEX "Sweep_status_idx" ON "Sweep"("status");

-- CreateIndex
CREATE INDEX "Sweep_scheduleId_idx" ON "Sweep"("scheduleId");

-- CreateIndex
CREATE INDEX "Sweep_createdAt_idx" ON "Sweep"("createdAt");

-- CreateIndex
CREATE INDEX "Run_status_idx" ON "Run"("status");

-- CreateIndex
CREATE INDEX "Run_textEncoder_fusion_datasetId_idx" ON "Run"("textEncoder", "fusion", "datasetId");

-- CreateIndex
CREATE UNIQUE INDEX "Run_sweepId_cellKey_key" ON "Run"("sweepId", "cellKey");

-- CreateIndex
CREATE UNIQUE INDEX "RunAttempt_runId_attempt_key" ON "RunAttempt"("runId", "attempt");

-- CreateIndex
CREATE UNIQUE INDEX "EpochMetric_runId_epoch_key" ON "EpochMetric"("runId", "epoch");

-- CreateIndex
CREATE UNIQUE INDEX "Prediction_runId_itemId_key" ON "Prediction"("runId", "itemId");

-- CreateIndex
CREATE INDEX "TimingMeasurement_textEncoder_stage_idx" ON "TimingMeasurement"("textEncoder", "stage");

-- CreateIndex
CREATE UNIQUE INDEX "Schedule_name_key" ON "Schedule"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Schedule_temporalScheduleId_key" ON "Schedule"("temporalScheduleId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_name_key" ON "ApiToken"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- AddForeignKey
ALTER TABLE "DatasetItem" ADD CONSTRAINT "DatasetItem_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SplitManifest" ADD CONSTRAINT "SplitManifest_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FeatureSet" ADD CONSTRAINT "FeatureSet_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sweep" ADD CONSTRAINT "Sweep_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_sweepId_fkey" FOREIGN KEY ("sweepId") REFERENCES "Sweep"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_splitManifestId_fkey" FOREIGN KEY ("splitManifestId") REFERENCES "SplitManifest"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunAttempt" ADD CONSTRAINT "RunAttempt_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EpochMetric" ADD CONSTRAINT "EpochMetric_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Prediction" ADD CONSTRAINT "Prediction_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Prediction" ADD CONSTRAINT "Prediction_itemId_fkey" FOREIGN KEY ("itemId") REFERENCES "DatasetItem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TimingMeasurement" ADD CONSTRAINT "TimingMeasurement_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;
