-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "singleKey" TEXT;

-- Jobs that run once at a time (lib/queue/jobs.ts queueSingleJob) hold "singleKey" while queued or
-- running: their type, or "suggest:next" for a suggest job waiting behind a running one. Before the
-- unique index: of several active jobs of one kind (requests at the same moment), keep one (a running
-- one first, then the oldest) and cancel the others, each with a log line saying why.
INSERT INTO "JobLog" ("jobId", "level", "message")
  SELECT "id", 'warn', 'cancelled when upgrading: another ' || "type" || ' job was already queued or running'
    FROM "Job" WHERE "id" IN (
      SELECT "id" FROM (
        SELECT "id", ROW_NUMBER() OVER (
                 PARTITION BY "type", CASE WHEN "type" = 'suggest' AND "status" = 'queued' THEN 1 ELSE 0 END
                 ORDER BY CASE WHEN "status" = 'running' THEN 0 ELSE 1 END, "createdAt", "id") AS "n"
          FROM "Job"
         WHERE "status" IN ('queued', 'running') AND "type" IN ('train', 'export', 'map', 'label-errors', 'features', 'suggest')
      ) "ranked" WHERE "n" > 1);
UPDATE "Job" SET "status" = 'cancelled', "error" = 'cancelled: another ' || "type" || ' job was already queued or running',
                 "finishedAt" = CURRENT_TIMESTAMP, "lockedBy" = NULL, "leaseUntil" = NULL
  WHERE "id" IN (
    SELECT "id" FROM (
      SELECT "id", ROW_NUMBER() OVER (
               PARTITION BY "type", CASE WHEN "type" = 'suggest' AND "status" = 'queued' THEN 1 ELSE 0 END
               ORDER BY CASE WHEN "status" = 'running' THEN 0 ELSE 1 END, "createdAt", "id") AS "n"
        FROM "Job"
       WHERE "status" IN ('queued', 'running') AND "type" IN ('train', 'export', 'map', 'label-errors', 'features', 'suggest')
    ) "ranked" WHERE "n" > 1);
UPDATE "Job" SET "singleKey" = CASE WHEN "type" = 'suggest' AND "status" = 'queued' THEN 'suggest:next' ELSE "type" END
  WHERE "status" IN ('queued', 'running') AND "type" IN ('train', 'export', 'map', 'label-errors', 'features', 'suggest');
-- The key replaces the train-only partial index of keep_history_sessions_tokens.
DROP INDEX "Job_one_active_train";

-- CreateIndex
CREATE UNIQUE INDEX "Job_singleKey_key" ON "Job"("singleKey");

