-- DropIndex
DROP INDEX "Face_label_idx";

-- DropIndex
DROP INDEX "Face_split_idx";

-- DropIndex
DROP INDEX "Face_labelledById_idx";

-- DropIndex
DROP INDEX "LabelEvent_createdAt_idx";

-- CreateIndex
CREATE INDEX "Face_label_createdAt_id_idx" ON "Face"("label", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Face_split_label_idx" ON "Face"("split", "label");

-- CreateIndex
CREATE INDEX "Face_labelledById_label_idx" ON "Face"("labelledById", "label");

-- CreateIndex
CREATE INDEX "Face_apparentMale_label_idx" ON "Face"("apparentMale", "label");

-- CreateIndex
CREATE INDEX "Face_label_apparentMale_photoId_idx" ON "Face"("label", "apparentMale", "photoId");

-- CreateIndex
CREATE INDEX "LabelEvent_createdAt_kind_newLabel_userId_idx" ON "LabelEvent"("createdAt", "kind", "newLabel", "userId");

