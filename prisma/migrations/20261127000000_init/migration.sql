-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'labeler',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "LoginThrottle" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "windowStart" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" DATETIME
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" DATETIME,
    CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Photo" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sha256" TEXT NOT NULL,
    "uploaderId" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'upload',
    "originalName" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "bytes" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Photo_uploaderId_fkey" FOREIGN KEY ("uploaderId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Face" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "photoId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "x" REAL NOT NULL,
    "y" REAL NOT NULL,
    "w" REAL NOT NULL,
    "h" REAL NOT NULL,
    "score" REAL,
    "wholeImage" BOOLEAN NOT NULL DEFAULT false,
    "phash" TEXT NOT NULL,
    "groupId" TEXT,
    "label" TEXT,
    "labelledById" TEXT,
    "labelledAt" DATETIME,
    "split" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Face_photoId_fkey" FOREIGN KEY ("photoId") REFERENCES "Photo" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Face_labelledById_fkey" FOREIGN KEY ("labelledById") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "LabelEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "faceId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "oldLabel" TEXT,
    "newLabel" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'label',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "LabelEvent_faceId_fkey" FOREIGN KEY ("faceId") REFERENCES "Face" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "LabelEvent_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Review" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "faceId" TEXT NOT NULL,
    "requestedById" TEXT NOT NULL,
    "reviewerId" TEXT,
    "firstLabel" TEXT NOT NULL,
    "firstUserId" TEXT,
    "label" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "answeredAt" DATETIME,
    "resolvedAt" DATETIME,
    CONSTRAINT "Review_faceId_fkey" FOREIGN KEY ("faceId") REFERENCES "Face" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Review_requestedById_fkey" FOREIGN KEY ("requestedById") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Review_reviewerId_fkey" FOREIGN KEY ("reviewerId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Feature" (
    "faceId" TEXT NOT NULL,
    "backbone" TEXT NOT NULL,
    "mirrored" BOOLEAN NOT NULL,
    "vector" BLOB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("faceId", "backbone", "mirrored"),
    CONSTRAINT "Feature_faceId_fkey" FOREIGN KEY ("faceId") REFERENCES "Face" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Job" (
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
    CONSTRAINT "Job_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "JobLog" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "jobId" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "level" TEXT NOT NULL DEFAULT 'info',
    "message" TEXT NOT NULL,
    CONSTRAINT "JobLog_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Run" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "jobId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'running',
    "seed" INTEGER NOT NULL DEFAULT 1337,
    "backbone" TEXT NOT NULL,
    "config" TEXT NOT NULL DEFAULT '{}',
    "history" TEXT NOT NULL DEFAULT '[]',
    "metrics" TEXT,
    "modelDir" TEXT,
    "promoted" BOOLEAN NOT NULL DEFAULT false,
    "promotedAt" DATETIME,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    CONSTRAINT "Run_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Run_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RunSample" (
    "runId" TEXT NOT NULL,
    "faceId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "split" TEXT NOT NULL,

    PRIMARY KEY ("runId", "faceId"),
    CONSTRAINT "RunSample_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "RunSample_faceId_fkey" FOREIGN KEY ("faceId") REFERENCES "Face" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "ApiToken_userId_idx" ON "ApiToken"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Photo_sha256_key" ON "Photo"("sha256");

-- CreateIndex
CREATE INDEX "Photo_uploaderId_idx" ON "Photo"("uploaderId");

-- CreateIndex
CREATE INDEX "Photo_createdAt_idx" ON "Photo"("createdAt");

-- CreateIndex
CREATE INDEX "Face_label_idx" ON "Face"("label");

-- CreateIndex
CREATE INDEX "Face_split_idx" ON "Face"("split");

-- CreateIndex
CREATE INDEX "Face_groupId_idx" ON "Face"("groupId");

-- CreateIndex
CREATE INDEX "Face_labelledById_idx" ON "Face"("labelledById");

-- CreateIndex
CREATE INDEX "Face_phash_idx" ON "Face"("phash");

-- CreateIndex
CREATE INDEX "Face_createdAt_idx" ON "Face"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Face_photoId_index_key" ON "Face"("photoId", "index");

-- CreateIndex
CREATE INDEX "LabelEvent_faceId_createdAt_idx" ON "LabelEvent"("faceId", "createdAt");

-- CreateIndex
CREATE INDEX "LabelEvent_userId_createdAt_idx" ON "LabelEvent"("userId", "createdAt");

-- CreateIndex
CREATE INDEX "LabelEvent_createdAt_idx" ON "LabelEvent"("createdAt");

-- CreateIndex
CREATE INDEX "Review_status_idx" ON "Review"("status");

-- CreateIndex
CREATE INDEX "Review_faceId_idx" ON "Review"("faceId");

-- CreateIndex
CREATE INDEX "Job_status_createdAt_idx" ON "Job"("status", "createdAt");

-- CreateIndex
CREATE INDEX "JobLog_jobId_id_idx" ON "JobLog"("jobId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Run_jobId_key" ON "Run"("jobId");

-- CreateIndex
CREATE INDEX "Run_promoted_idx" ON "Run"("promoted");

-- CreateIndex
CREATE INDEX "RunSample_faceId_idx" ON "RunSample"("faceId");

