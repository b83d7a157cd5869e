'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { webhookEventsSchema } from '@/lib/webhooks/events';
import {
  createWebhook,
  deleteWebhook,
  newWebhookSchema,
  redeliver,
  revealWebhookSecret,
  rotateWebhookSecret,
  sendTestEvent,
  setWebhookEnabled,
  setWebhookEvents,
} from '@/lib/webhooks/hooks';

const id = z.string().min(1);
const PAGE = '/admin/webhooks';

export const createWebhookAction = serverAction({ role: 'admin', input: newWebhookSchema }, async (input, actor) => {
  const created = await createWebhook(db(), input, actor.id);
  revalidatePath(PAGE);
  return created;
});

export const setWebhookEnabledAction = serverAction({ role: 'admin', input: z.object({ id, enabled: z.boolean() }) }, async ({ id, enabled }) => {
  await setWebhookEnabled(db(), id, enabled);
  revalidatePath(PAGE);
});

export const setWebhookEventsAction = serverAction({ role: 'admin', input: z.object({ id, events: webhookEventsSchema }) }, async ({ id, events }) => {
  await setWebhookEvents(db(), id, events);
  revalidatePath(PAGE);
});

export const deleteWebhookAction = serverAction({ role: 'admin', input: z.object({ id }) }, async ({ id }) => {
  await deleteWebhook(db(), id);
  revalidatePath(PAGE);
});

export const rotateWebhookSecretAction = serverAction({ role: 'admin', input: z.object({ id }) }, async ({ id }) => ({ secret: await rotateWebhookSecret(db(), id) }));

export const revealWebhookSecretAction = serverAction({ role: 'admin', input: z.object({ id }) }, async ({ id }) => ({ secret: await revealWebhookSecret(db(), id) }));

/** `id` null: the hook from MASKLAB_WEBHOOK_URL. */
export const sendTestEventAction = serverAction({ role: 'admin', input: z.object({ id: id.nullable() }) }, async ({ id }, actor) => {
  const r = await sendTestEvent(db(), id, actor);
  revalidatePath(PAGE);
  return r;
});

export const redeliverAction = serverAction({ role: 'admin', input: z.object({ deliveryId: id }) }, async ({ deliveryId }) => {
  const r = await redeliver(db(), deliveryId);
  revalidatePath(PAGE);
  return r;
});
