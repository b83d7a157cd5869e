-- AlterTable
ALTER TABLE "Face" ADD COLUMN "apparentAge" REAL;
ALTER TABLE "Face" ADD COLUMN "apparentMale" REAL;
ALTER TABLE "Face" ADD COLUMN "attrLabel" TEXT;

-- AlterTable
ALTER TABLE "LabelEvent" ADD COLUMN "accepted" BOOLEAN;
ALTER TABLE "LabelEvent" ADD COLUMN "batchId" TEXT;
ALTER TABLE "LabelEvent" ADD COLUMN "suggested" TEXT;

-- CreateTable
CREATE TABLE "EvalSet" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Suggestion" (
    "faceId" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "confidence" REAL NOT NULL,
    "probs" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Suggestion_faceId_fkey" FOREIGN KEY ("faceId") REFERENCES "Face" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "LabelError" (
    "faceId" TEXT NOT NULL PRIMARY KEY,
    "label" TEXT NOT NULL,
    "suggested" TEXT NOT NULL,
    "score" REAL NOT NULL,
    "probs" TEXT NOT NULL,
    "keptById" TEXT,
    "keptAt" DATETIME,
    "computedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "LabelError_faceId_fkey" FOREIGN KEY ("faceId") REFERENCES "Face" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DatasetMap" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "points" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
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
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Photo_uploaderId_fkey" FOREIGN KEY ("uploaderId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Photo_evalSetId_fkey" FOREIGN KEY ("evalSetId") REFERENCES "EvalSet" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Photo" ("bytes", "createdAt", "format", "height", "id", "originalName", "sha256", "source", "uploaderId", "width") SELECT "bytes", "createdAt", "format", "height", "id", "originalName", "sha256", "source", "uploaderId", "width" FROM "Photo";
DROP TABLE "Photo";
ALTER TABLE "new_Photo" RENAME TO "Photo";
CREATE UNIQUE INDEX "Photo_sha256_key" ON "Photo"("sha256");
CREATE INDEX "Photo_uploaderId_idx" ON "Photo"("uploaderId");
CREATE INDEX "Photo_createdAt_idx" ON "Photo"("createdAt");
CREATE INDEX "Photo_evalSetId_idx" ON "Photo"("evalSetId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "EvalSet_name_key" ON "EvalSet"("name");

-- CreateIndex
CREATE INDEX "Suggestion_label_confidence_idx" ON "Suggestion"("label", "confidence");

-- CreateIndex
CREATE INDEX "Suggestion_confidence_idx" ON "Suggestion"("confidence");

-- CreateIndex
CREATE INDEX "LabelError_score_idx" ON "LabelError"("score");

-- CreateIndex
CREATE INDEX "LabelEvent_batchId_idx" ON "LabelEvent"("batchId");

