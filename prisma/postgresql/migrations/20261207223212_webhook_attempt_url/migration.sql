-- AlterTable
ALTER TABLE "WebhookAttempt" ADD COLUMN     "url" TEXT;


-- Attempts made before this column existed: the URL their delivery was last sent to (the best record there is).
UPDATE "WebhookAttempt" SET "url" = (SELECT "url" FROM "WebhookDelivery" WHERE "WebhookDelivery"."id" = "WebhookAttempt"."deliveryId");
