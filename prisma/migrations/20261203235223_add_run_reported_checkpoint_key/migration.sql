-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "reportedCheckpointKey" TEXT;
