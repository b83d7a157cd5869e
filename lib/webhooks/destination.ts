// Where a webhook may be sent (docs/api.md "Where webhooks may go"): checked when a hook is saved
// (`destinationRefusal`: the URL's form, then its host's addresses) and again on every attempt, on the
// address the request actually connects to (`guardedLookup`, so a name that resolved to a public
// address when saved and to 127.0.0.1 now — DNS rebinding — is refused too). Hosts the operator lists in
// MASKLAB_WEBHOOK_ALLOW_HOSTS are contacted whatever their address.
import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { addressRefusal, type AllowHost, bareHost, isAllowedHost, isIpHost, literalRefusal, urlProblem } from '../net/destination';

/** A host name's addresses (tests pass their own to simulate DNS). */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

export const ALLOW_HINT = 'a receiver on this host or your own network must be listed in MASKLAB_WEBHOOK_ALLOW_HOSTS, e.g. 127.0.0.1:9000';

/** Thrown (through the socket) when a name resolves to an address that is refused. */
export class RefusedDestination extends Error {
  readonly code = 'EMASKLAB_REFUSED';
  constructor(reason: string) {
    super(`refused: ${reason}`);
    this.name = 'RefusedDestination';
  }
}

/** Why `addresses` of `hostname` may not be contacted, or null. */
function resolvedRefusal(hostname: string, addresses: LookupAddress[]): string | null {
  for (const a of addresses) {
    const why = addressRefusal(a.address);
    if (why) return `${hostname} resolves to ${why.replace(/ is (an?) /, ', $1 ')}`;
  }
  return null;
}

/**
 * Why a webhook URL is refused ("10.0.0.1 is a private address", "must not contain a user name…"), or
 * null when it may be saved. Resolves a host name (a name that does not resolve is refused too: the
 * admin sees the typo now, not in the delivery log).
 */
export async function destinationRefusal(url: string, opts: { allow: readonly AllowHost[]; resolve?: Resolve }): Promise<string | null> {
  const problem = urlProblem(url);
  if (problem) return problem;
  const u = new URL(url);
  if (isAllowedHost(u, opts.allow)) return null;
  const literal = literalRefusal(u, opts.allow);
  if (literal) return `refused: ${literal} (${ALLOW_HINT})`;
  if (isIpHost(u.hostname)) return null;
  let addresses: LookupAddress[];
  try {
    addresses = await (opts.resolve ?? systemResolve)(bareHost(u.hostname));
  } catch (err) {
    const code = (err as { code?: string }).code;
    return `${u.hostname} does not resolve${code ? ` (${code})` : ''}: check the host name`;
  }
  if (!addresses.length) return `${u.hostname} does not resolve: check the host name`;
  const why = resolvedRefusal(u.hostname, addresses);
  return why ? `refused: ${why} (${ALLOW_HINT})` : null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s) requests (and node:net): resolves with `resolve` and fails with
 * RefusedDestination when any address is refused, so the socket never connects to one. `allowed`:
 * the URL's host is in the allow-list (every address is fine).
 */
export function guardedLookup(resolve: Resolve, allowed: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (all) => {
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const addresses = family ? all.filter((a) => a.family === family) : all;
        if (!addresses.length) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          err.code = 'ENOTFOUND';
          return callback(err, []);
        }
        const why = allowed ? null : resolvedRefusal(hostname, all);
        if (why) return callback(new RefusedDestination(why), []);
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, []),
    );
  };
}
