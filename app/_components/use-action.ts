'use client';
// The state every form or button that calls a server action needs: pending, and one
// message (the action's error, or what the caller says on success).
import { type FormEvent, useState, useTransition } from 'react';
import type { ActionResult } from '@/app/_server/guard';
import type { Msg } from './message';

export function useAction() {
  const [msg, setMsg] = useState<Msg>(null);
  const [pending, start] = useTransition();
  /**
   * Calls the action; on success `onOk` gets its data and may return the message to show
   * (a string is shown as a success). Errors are shown as they come.
   */
  const run = <T,>(call: () => Promise<ActionResult<T>>, onOk?: (data: T) => string | Msg | void) =>
    start(async () => {
      const res = await call();
      if (!res.ok) return setMsg({ kind: 'error', text: res.error });
      const out = onOk?.(res.data);
      setMsg(typeof out === 'string' ? { kind: 'ok', text: out } : (out ?? null));
    });
  /** An onSubmit handler that stops the page load and hands over the form's fields. */
  const submit = (fn: (fields: FormData, form: HTMLFormElement) => void) => (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    fn(new FormData(e.currentTarget), e.currentTarget);
  };
  return { msg, setMsg, pending, run, submit };
}
