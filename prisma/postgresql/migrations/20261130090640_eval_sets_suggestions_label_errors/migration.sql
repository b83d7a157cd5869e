-- AlterTable
ALTER TABLE "Photo" ADD COLUMN     "batch" TEXT,
ADD COLUMN     "evalSetId" TEXT;

-- AlterTable
ALTER TABLE "Face" ADD COLUMN     "apparentAge" DOUBLE PRECISION,
ADD COLUMN     "apparentMale" DOUBLE PRECISION,
ADD COLUMN     "attrLabel" TEXT;

-- AlterTable
ALTER TABLE "LabelEvent" ADD COLUMN     "accepted" BOOLEAN,
ADD COLUMN     "batchId" TEXT,
ADD COLUMN     "suggested" TEXT;

-- CreateTable
CREATE TABLE "EvalSet" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvalSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Suggestion" (
    "faceId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "probs" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Suggestion_pkey" PRIMARY KEY ("faceId")
);

-- CreateTable
CREATE TABLE "LabelError" (
    "faceId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "suggested" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "probs" TEXT NOT NULL,
    "keptById" TEXT,
    "keptAt" TIMESTAMP(3),
    "computedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LabelError_pkey" PRIMARY KEY ("faceId")
);

-- CreateTable
CREATE TABLE "DatasetMap" (
    "key" TEXT NOT NULL,
    "points" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DatasetMap_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "EvalSet_name_key" ON "EvalSet"("name");

-- CreateIndex
CREATE INDEX "Suggestion_label_confidence_idx" ON "Suggestion"("label", "confidence");

-- CreateIndex
CREATE INDEX "Suggestion_confidence_idx" ON "Suggestion"("confidence");

-- CreateIndex
CREATE INDEX "LabelError_score_idx" ON "LabelError"("score");

-- CreateIndex
CREATE INDEX "Photo_evalSetId_idx" ON "Photo"("evalSetId");

-- CreateIndex
CREATE INDEX "LabelEvent_batchId_idx" ON "LabelEvent"("batchId");

-- AddForeignKey
ALTER TABLE "Photo" ADD CONSTRAINT "Photo_evalSetId_fkey" FOREIGN KEY ("evalSetId") REFERENCES "EvalSet"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Suggestion" ADD CONSTRAINT "Suggestion_faceId_fkey" FOREIGN KEY ("faceId") REFERENCES "Face"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LabelError" ADD CONSTRAINT "LabelError_faceId_fkey" FOREIGN KEY ("faceId") REFERENCES "Face"("id") ON DELETE CASCADE ON UPDATE CASCADE;

