-- AlterTable
ALTER TABLE "DatasetItem" ADD COLUMN     "imageMtimeMs" DOUBLE PRECISION,
ADD COLUMN     "imageSha256" TEXT,
ADD COLUMN     "imageSize" INTEGER;
