-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "parentId" TEXT;

-- CreateIndex
CREATE INDEX "Job_parentId_status_idx" ON "Job"("parentId", "status");

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

