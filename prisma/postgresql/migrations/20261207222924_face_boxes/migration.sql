-- AlterTable
ALTER TABLE "Photo" ADD COLUMN     "nextFaceIndex" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "FaceEvent" (
    "id" TEXT NOT NULL,
    "faceId" TEXT NOT NULL,
    "photoId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "oldBox" TEXT,
    "newBox" TEXT,
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FaceEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FaceEvent_faceId_createdAt_idx" ON "FaceEvent"("faceId", "createdAt");

-- CreateIndex
CREATE INDEX "FaceEvent_photoId_idx" ON "FaceEvent"("photoId");

-- AddForeignKey
ALTER TABLE "FaceEvent" ADD CONSTRAINT "FaceEvent_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Existing photos: the next free face index is one past their highest.
UPDATE "Photo" SET "nextFaceIndex" = COALESCE((SELECT MAX("Face"."index") + 1 FROM "Face" WHERE "Face"."photoId" = "Photo"."id"), 0);
