-- DropForeignKey
ALTER TABLE "LabelEvent" DROP CONSTRAINT "LabelEvent_faceId_fkey";

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "sessionVersion" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "expiresAt" TIMESTAMP(3),
ADD COLUMN     "sessionVersion" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "LabelEvent" ADD COLUMN     "photoId" TEXT;

-- CreateTable
CREATE TABLE "KnownAddress" (
    "userId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "lastSeen" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KnownAddress_pkey" PRIMARY KEY ("userId","address")
);

-- AddForeignKey
ALTER TABLE "KnownAddress" ADD CONSTRAINT "KnownAddress_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Label history survives its face: remember each event's photo for audits.
UPDATE "LabelEvent" SET "photoId" = (SELECT "photoId" FROM "Face" WHERE "Face"."id" = "LabelEvent"."faceId");

-- At most one train job queued or running (several Retrain clicks, several web servers):
-- keep the oldest, cancel the rest, then let the database refuse a second one.
UPDATE "Job" SET "status" = 'cancelled', "error" = 'cancelled: another train job was already queued'
  WHERE "type" = 'train' AND "status" IN ('queued', 'running')
    AND "id" <> (SELECT "id" FROM "Job" WHERE "type" = 'train' AND "status" IN ('queued', 'running') ORDER BY "createdAt", "id" LIMIT 1);
CREATE UNIQUE INDEX "Job_one_active_train" ON "Job"("type") WHERE "type" = 'train' AND "status" IN ('queued', 'running');
