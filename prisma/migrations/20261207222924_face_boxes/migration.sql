-- CreateTable
CREATE TABLE "FaceEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "faceId" TEXT NOT NULL,
    "photoId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "oldBox" TEXT,
    "newBox" TEXT,
    "note" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "FaceEvent_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Photo" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sha256" TEXT NOT NULL,
    "uploaderId" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'upload',
    "originalName" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "bytes" INTEGER NOT NULL,
    "batch" TEXT,
    "evalSetId" TEXT,
    "nextFaceIndex" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Photo_uploaderId_fkey" FOREIGN KEY ("uploaderId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Photo_evalSetId_fkey" FOREIGN KEY ("evalSetId") REFERENCES "EvalSet" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Photo" ("batch", "bytes", "createdAt", "evalSetId", "format", "height", "id", "originalName", "sha256", "source", "uploaderId", "width") SELECT "batch", "bytes", "createdAt", "evalSetId", "format", "height", "id", "originalName", "sha256", "source", "uploaderId", "width" FROM "Photo";
DROP TABLE "Photo";
ALTER TABLE "new_Photo" RENAME TO "Photo";
CREATE UNIQUE INDEX "Photo_sha256_key" ON "Photo"("sha256");
CREATE INDEX "Photo_uploaderId_idx" ON "Photo"("uploaderId");
CREATE INDEX "Photo_createdAt_idx" ON "Photo"("createdAt");
CREATE INDEX "Photo_evalSetId_idx" ON "Photo"("evalSetId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "FaceEvent_faceId_createdAt_idx" ON "FaceEvent"("faceId", "createdAt");

-- CreateIndex
CREATE INDEX "FaceEvent_photoId_idx" ON "FaceEvent"("photoId");


-- Existing photos: the next free face index is one past their highest.
UPDATE "Photo" SET "nextFaceIndex" = COALESCE((SELECT MAX("Face"."index") + 1 FROM "Face" WHERE "Face"."photoId" = "Photo"."id"), 0);
