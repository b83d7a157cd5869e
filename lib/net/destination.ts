// Where the server may send requests of its own (webhooks): a URL's syntax (http(s) only, no
// credentials, a sane length), the kind of an IP address (loopback, private, link-local, unique-local,
// multicast, unspecified, reserved: never contacted), and the operator's allow-list of hosts that are
// contacted whatever their address (MASKLAB_WEBHOOK_ALLOW_HOSTS, e.g. a receiver on the same host).
// Pure: no DNS here (lib/webhooks resolves names and checks the address it connects to).
// A leaf below lib/config, so the configuration can check MASKLAB_WEBHOOK_URL when it is read.

/** Longer URLs are refused (a webhook URL is a few dozen characters). */
export const MAX_URL_LENGTH = 2000;

export type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'unique-local' | 'multicast' | 'unspecified' | 'reserved';

/** The four bytes of a dotted-quad IPv4 address (the canonical form URLs and DNS give), else null. */
function v4Bytes(s: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  return b.every((x) => x <= 255) ? b : null;
}

/** The sixteen bytes of an IPv6 address (with or without brackets, `::` and a trailing dotted quad), else null. */
function v6Bytes(raw: string): number[] | null {
  let s = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (s.includes('%')) s = s.slice(0, s.indexOf('%')); // a zone (fe80::1%eth0)
  if (!s.includes(':')) return null;
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    // `::ffff:1.2.3.4`: the dotted quad is the last two groups
    const v4 = v4Bytes(last);
    if (!v4) return null;
    s = `${s.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
    return groups.map((g) => parseInt(g, 16));
  };
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !tail) return null;
  let words: number[];
  if (halves.length === 1) {
    if (head.length !== 8) return null;
    words = head;
  } else {
    if (head.length + tail.length > 7) return null;
    words = [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

const inV4 = (b: number[], net: [number, number, number, number], bits: number) => {
  for (let i = 0; i < 4; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8));
    const mask = take === 0 ? 0 : (0xff << (8 - take)) & 0xff;
    if ((b[i] & mask) !== (net[i] & mask)) return false;
  }
  return true;
};

function classifyV4(b: number[]): AddressKind {
  if (inV4(b, [0, 0, 0, 0], 8)) return 'unspecified'; // "this network", 0.0.0.0 reaches the local host
  if (inV4(b, [127, 0, 0, 0], 8)) return 'loopback';
  if (inV4(b, [10, 0, 0, 0], 8) || inV4(b, [172, 16, 0, 0], 12) || inV4(b, [192, 168, 0, 0], 16)) return 'private';
  if (inV4(b, [100, 64, 0, 0], 10)) return 'private'; // carrier-grade NAT, shared address space
  if (inV4(b, [169, 254, 0, 0], 16)) return 'link-local'; // cloud metadata services live here
  if (inV4(b, [224, 0, 0, 0], 4)) return 'multicast';
  if (
    inV4(b, [192, 0, 0, 0], 24) || // IETF protocol assignments
    inV4(b, [192, 0, 2, 0], 24) ||
    inV4(b, [198, 51, 100, 0], 24) ||
    inV4(b, [203, 0, 113, 0], 24) || // documentation
    inV4(b, [198, 18, 0, 0], 15) || // benchmarking
    inV4(b, [240, 0, 0, 0], 4) // reserved, and the broadcast address
  )
    return 'reserved';
  return 'public';
}

const zeros = (b: number[], from: number, to: number) => b.slice(from, to).every((x) => x === 0);

function classifyV6(b: number[]): AddressKind {
  if (zeros(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return classifyV4(b.slice(12)); // IPv4-mapped ::ffff:a.b.c.d
  if (zeros(b, 0, 16)) return 'unspecified';
  if (zeros(b, 0, 15) && b[15] === 1) return 'loopback';
  if (zeros(b, 0, 12)) return 'reserved'; // IPv4-compatible ::a.b.c.d (deprecated)
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    // NAT64 64:ff9b::a.b.c.d reaches the embedded IPv4 address; 64:ff9b:1::/48 is for local use
    if (zeros(b, 4, 12)) return classifyV4(b.slice(12));
    return 'private';
  }
  if (b[0] === 0x20 && b[1] === 0x02) return classifyV4(b.slice(2, 6)) === 'public' ? 'public' : 'reserved'; // 6to4 of a non-public address
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return 'reserved'; // documentation
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return 'reserved'; // Teredo tunnels
  if (b[0] === 0x01 && b[1] === 0 && zeros(b, 2, 8)) return 'reserved'; // discard-only 100::/64
  if ((b[0] & 0xfe) === 0xfc) return 'unique-local'; // fc00::/7
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return 'link-local'; // fe80::/10
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0xc0) return 'private'; // fec0::/10, the old site-local
  if (b[0] === 0xff) return 'multicast';
  return 'public';
}

/** The kind of an IP address (IPv4 dotted quad, IPv6 with or without brackets); null when `ip` is not one. */
export function classifyAddress(ip: string): AddressKind | null {
  const v4 = v4Bytes(ip);
  if (v4) return classifyV4(v4);
  const v6 = v6Bytes(ip);
  return v6 ? classifyV6(v6) : null;
}

/** "10.0.0.1 is a private address", or null for an address that may be contacted (or not an address). */
export function addressRefusal(ip: string): string | null {
  const kind = classifyAddress(ip);
  if (!kind || kind === 'public') return null;
  return `${ip} is ${kind === 'unspecified' ? 'an unspecified' : `a ${kind}`} address`;
}

/** A host as a URL writes it: lower case, numeric IPv4 forms (2130706433, 0x7f.1, 127.1, 0177.0.0.1) as a dotted quad, IPv6 in brackets, compressed. */
export function canonicalHost(host: string): string | null {
  try {
    const h = new URL(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}/`).hostname;
    return h.endsWith('.') ? h.slice(0, -1) : h;
  } catch {
    return null;
  }
}

/** A URL's host without IPv6 brackets: what DNS or a socket takes. */
export const bareHost = (hostname: string) => (hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname);

/** Whether a URL's host is an IP address (so it is connected to as is, without a DNS lookup). */
export const isIpHost = (hostname: string) => classifyAddress(hostname) !== null;

/** Names that always mean this machine (RFC 6761), refused without a lookup. */
const isLocalhostName = (hostname: string) => {
  const h = hostname.replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
};

/**
 * What is wrong with a webhook URL's form, or null: not http(s), no host, user name or password in
 * it, longer than MAX_URL_LENGTH.
 */
export function urlProblem(raw: string): string | null {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'must be an http:// or https:// URL, e.g. https://hooks.example.com/masklab';
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname) return 'must be an http:// or https:// URL, e.g. https://hooks.example.com/masklab';
  if (u.username || u.password) return 'must not contain a user name or password (receivers check the request signature instead)';
  return null;
}

/** One entry of MASKLAB_WEBHOOK_ALLOW_HOSTS: a host (canonical, as `URL.hostname` gives it) and, when given, the one port. */
export type AllowHost = { host: string; port: number | null };

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** One allow-list entry (`host`, `host:port`, `[v6]`, `[v6]:port`), or a message saying why not. */
function parseAllowEntry(entry: string): AllowHost | string {
  const bad = `"${entry}" is not a host or host:port (e.g. 127.0.0.1:9000, receiver.internal, [::1]:9000)`;
  let host = entry;
  let port: number | null = null;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (v6) {
    if (classifyAddress(v6[1]) === null || !v6[1].includes(':')) return bad;
    host = `[${v6[1]}]`;
    port = v6[2] !== undefined ? Number(v6[2]) : null;
  } else if (entry.includes(':') && classifyAddress(entry) !== null) {
    host = `[${entry}]`; // a bare IPv6 address: no port
  } else {
    const m = /^([^:]+)(?::(\d+))?$/.exec(entry);
    if (!m || !HOSTNAME.test(m[1])) return bad;
    host = m[1];
    port = m[2] !== undefined ? Number(m[2]) : null;
  }
  if (port !== null && !(port >= 1 && port <= 65535)) return `"${entry}": the port must be 1 to 65535`;
  const canon = canonicalHost(host);
  if (!canon) return bad;
  return { host: canon, port };
}

/** MASKLAB_WEBHOOK_ALLOW_HOSTS, comma-separated; throws an Error naming every bad entry. */
export function parseAllowHosts(raw: string | undefined): AllowHost[] {
  if (!raw?.trim()) return [];
  const out: AllowHost[] = [];
  const bad: string[] = [];
  for (const e of raw.split(',').map((x) => x.trim()).filter(Boolean)) {
    const r = parseAllowEntry(e);
    if (typeof r === 'string') bad.push(r);
    else out.push(r);
  }
  if (bad.length) throw new Error(bad.join('; '));
  return out;
}

const defaultPort = (u: URL) => (u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80);

/** Whether the operator allowed this URL's host (and port) whatever its address. */
export function isAllowedHost(u: URL, allow: readonly AllowHost[]): boolean {
  const host = u.hostname.replace(/\.$/, '');
  return allow.some((a) => a.host === host && (a.port === null || a.port === defaultPort(u)));
}

/**
 * The refusal that needs no DNS lookup, or null: a URL whose host is a refused IP address (in any form
 * the URL parser accepts) or a localhost name, unless allowed.
 */
export function literalRefusal(u: URL, allow: readonly AllowHost[]): string | null {
  if (isAllowedHost(u, allow)) return null;
  if (isLocalhostName(u.hostname)) return `${u.hostname} is this machine (a loopback address)`;
  return addressRefusal(u.hostname);
}
