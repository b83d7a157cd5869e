'use server';

import { revalidatePath } from 'next/cache';
import { serverAction } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { setTargets, targetsSchema } from '@/lib/dataset/balance';

export const setTargetsAction = serverAction({ role: 'admin', input: targetsSchema }, async (input, actor) => {
  const targets = await setTargets(db(), actor, input);
  revalidatePath('/dashboard');
  return targets;
});
