-- CreateTable
CREATE TABLE "KnownAddress" (
    "userId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "lastSeen" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("userId", "address"),
    CONSTRAINT "KnownAddress_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'labeler',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "sessionVersion" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_User" ("createdAt", "disabled", "email", "id", "name", "passwordHash", "role", "updatedAt") SELECT "createdAt", "disabled", "email", "id", "name", "passwordHash", "role", "updatedAt" FROM "User";
DROP TABLE "User";
ALTER TABLE "new_User" RENAME TO "User";
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE TABLE "new_ApiToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" DATETIME,
    "expiresAt" DATETIME,
    "sessionVersion" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ApiToken" ("createdAt", "id", "lastUsedAt", "name", "tokenHash", "userId") SELECT "createdAt", "id", "lastUsedAt", "name", "tokenHash", "userId" FROM "ApiToken";
DROP TABLE "ApiToken";
ALTER TABLE "new_ApiToken" RENAME TO "ApiToken";
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");
CREATE INDEX "ApiToken_userId_idx" ON "ApiToken"("userId");
CREATE TABLE "new_LabelEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "faceId" TEXT NOT NULL,
    "photoId" TEXT,
    "userId" TEXT NOT NULL,
    "oldLabel" TEXT,
    "newLabel" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'label',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "LabelEvent_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_LabelEvent" ("createdAt", "faceId", "id", "kind", "newLabel", "oldLabel", "userId") SELECT "createdAt", "faceId", "id", "kind", "newLabel", "oldLabel", "userId" FROM "LabelEvent";
DROP TABLE "LabelEvent";
ALTER TABLE "new_LabelEvent" RENAME TO "LabelEvent";
CREATE INDEX "LabelEvent_faceId_createdAt_idx" ON "LabelEvent"("faceId", "createdAt");
CREATE INDEX "LabelEvent_userId_createdAt_idx" ON "LabelEvent"("userId", "createdAt");
CREATE INDEX "LabelEvent_createdAt_idx" ON "LabelEvent"("createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;


-- Label history survives its face: remember each event's photo for audits.
UPDATE "LabelEvent" SET "photoId" = (SELECT "photoId" FROM "Face" WHERE "Face"."id" = "LabelEvent"."faceId");

-- At most one train job queued or running (several Retrain clicks, several web servers):
-- keep the oldest, cancel the rest, then let the database refuse a second one.
UPDATE "Job" SET "status" = 'cancelled', "error" = 'cancelled: another train job was already queued'
  WHERE "type" = 'train' AND "status" IN ('queued', 'running')
    AND "id" <> (SELECT "id" FROM "Job" WHERE "type" = 'train' AND "status" IN ('queued', 'running') ORDER BY "createdAt", "id" LIMIT 1);
CREATE UNIQUE INDEX "Job_one_active_train" ON "Job"("type") WHERE "type" = 'train' AND "status" IN ('queued', 'running');
