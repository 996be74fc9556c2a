-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "device" TEXT,
ADD COLUMN     "deviceName" TEXT,
ADD COLUMN     "dtype" TEXT,
ADD COLUMN     "engine" TEXT,
ADD COLUMN     "engineVersion" TEXT;
