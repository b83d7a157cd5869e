'use client';

/** A result line under a form: announced to screen readers (alert for errors, status otherwise). */
export type Msg = { kind: 'ok' | 'error'; text: string } | null;

export function Message({ msg }: { msg: Msg }) {
  if (!msg) return null;
  return (
    <p role={msg.kind === 'error' ? 'alert' : 'status'} className={msg.kind === 'error' ? 'alert-error' : 'alert-ok'}>
      {msg.text}
    </p>
  );
}
