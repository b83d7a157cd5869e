-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Job" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "type" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "payload" TEXT NOT NULL DEFAULT '{}',
    "progress" TEXT NOT NULL DEFAULT '{}',
    "result" TEXT,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL DEFAULT 3,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "lockedBy" TEXT,
    "leaseUntil" DATETIME,
    "heartbeatAt" DATETIME,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "singleKey" TEXT,
    "parentId" TEXT,
    CONSTRAINT "Job_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Job_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Job" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Job" ("attempts", "cancelRequested", "createdAt", "createdById", "error", "finishedAt", "heartbeatAt", "id", "leaseUntil", "lockedBy", "maxAttempts", "payload", "progress", "result", "singleKey", "startedAt", "status", "type") SELECT "attempts", "cancelRequested", "createdAt", "createdById", "error", "finishedAt", "heartbeatAt", "id", "leaseUntil", "lockedBy", "maxAttempts", "payload", "progress", "result", "singleKey", "startedAt", "status", "type" FROM "Job";
DROP TABLE "Job";
ALTER TABLE "new_Job" RENAME TO "Job";
CREATE UNIQUE INDEX "Job_singleKey_key" ON "Job"("singleKey");
CREATE INDEX "Job_status_createdAt_idx" ON "Job"("status", "createdAt");
CREATE INDEX "Job_parentId_status_idx" ON "Job"("parentId", "status");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

