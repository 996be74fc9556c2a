-- CreateEnum
CREATE TYPE "RunMethod" AS ENUM ('fusion-head', 'clip-iqa');

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "method" "RunMethod" NOT NULL DEFAULT 'fusion-head',
ALTER COLUMN "textEncoder" DROP NOT NULL,
ALTER COLUMN "fusion" DROP NOT NULL,
ALTER COLUMN "seed" DROP NOT NULL;

-- CreateIndex
CREATE INDEX "Run_method_datasetId_idx" ON "Run"("method", "datasetId");
