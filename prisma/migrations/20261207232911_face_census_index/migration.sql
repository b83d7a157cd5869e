-- DropIndex
DROP INDEX "Face_labelledById_label_idx";

-- CreateIndex
CREATE INDEX "Face_labelledById_label_split_idx" ON "Face"("labelledById", "label", "split");

