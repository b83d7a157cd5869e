-- DropIndex
DROP INDEX "Suggestion_label_confidence_idx";

-- DropIndex
DROP INDEX "Suggestion_confidence_idx";

-- CreateIndex
CREATE INDEX "Suggestion_label_confidence_faceId_idx" ON "Suggestion"("label", "confidence", "faceId");

-- CreateIndex
CREATE INDEX "Suggestion_confidence_faceId_idx" ON "Suggestion"("confidence", "faceId");

