// Which addresses a webhook may reach (lib/net/destination.ts): the address classifier over IPv4,
// IPv6, IPv4-mapped IPv6 and the numeric spellings a URL accepts, the URL form checks, and
// MASKLAB_WEBHOOK_ALLOW_HOSTS (syntax, host and host:port matching).
import { describe, expect, it } from 'vitest';
import { parseConfig } from '@/lib/config';
import { addressRefusal, classifyAddress, isAllowedHost, literalRefusal, parseAllowHosts, urlProblem } from '@/lib/net/destination';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['172.15.255.255', 'public'],
    ['172.32.0.1', 'public'],
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'private'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::ffff:a9fe:a9fe]', 'link-local'],
    ['0:0:0:0:0:ffff:10.1.2.3', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'reserved'],
    ['64:ff9b::a00:1', 'private'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:80b::200e', 'public'],
  ])('%s is %s', (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
  });

  it.each(['example.com', '1.2.3', '256.1.1.1', '1::2::3', '1:2:3:4:5:6:7:8:9', '::ffff:1.2.3', 'g::1', ''])('%j is not an address', (s) => {
    expect(classifyAddress(s)).toBeNull();
  });

  it('says what kind of address is refused', () => {
    expect(addressRefusal('10.0.0.1')).toBe('10.0.0.1 is a private address');
    expect(addressRefusal('0.0.0.0')).toBe('0.0.0.0 is an unspecified address');
    expect(addressRefusal('[::1]')).toBe('[::1] is a loopback address');
    expect(addressRefusal('8.8.8.8')).toBeNull();
  });
});

describe('a URL host, in every spelling the URL parser accepts', () => {
  it.each([
    ['http://2130706433/', '127.0.0.1 is a loopback address'],
    ['http://0x7f000001/', '127.0.0.1 is a loopback address'],
    ['http://0x7f.1/', '127.0.0.1 is a loopback address'],
    ['http://127.1/', '127.0.0.1 is a loopback address'],
    ['http://0177.0.0.1/', '127.0.0.1 is a loopback address'],
    ['http://0/', '0.0.0.0 is an unspecified address'],
    ['http://0xa9.0xfe.0xa9.0xfe/latest', '169.254.169.254 is a link-local address'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1] is a loopback address'],
    ['http://[0:0:0:0:0:0:0:1]:8080/', '[::1] is a loopback address'],
    ['http://localhost/', 'localhost is this machine (a loopback address)'],
    ['http://LOCALHOST./', 'localhost. is this machine (a loopback address)'],
    ['http://api.localhost/', 'api.localhost is this machine (a loopback address)'],
  ])('%s: %s', (url, why) => {
    expect(literalRefusal(new URL(url), [])).toBe(why);
  });

  it('leaves names (resolved later) and public addresses alone', () => {
    for (const url of ['https://hooks.example.com/x', 'http://8.8.8.8/', 'http://[2606:4700::1111]/', 'http://134744072/']) expect(literalRefusal(new URL(url), [])).toBeNull();
  });
});

describe('urlProblem', () => {
  it('takes http(s) URLs without credentials up to 2000 characters', () => {
    expect(urlProblem('https://hooks.example.com/masklab?x=1')).toBeNull();
    expect(urlProblem('ftp://hooks.example.com/')).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
    expect(urlProblem('file:///etc/passwd')).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
    expect(urlProblem('not a url')).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
    expect(urlProblem('https://user@hooks.example.com/')).toMatch(/must not contain a user name or password/);
    expect(urlProblem('https://:pw@hooks.example.com/')).toMatch(/must not contain a user name or password/);
    expect(urlProblem(`https://hooks.example.com/${'a'.repeat(1980)}`)).toMatch(/at most 2000 characters/);
  });
});

describe('MASKLAB_WEBHOOK_ALLOW_HOSTS', () => {
  it('reads host and host:port entries, IPv6 in brackets, numeric forms made canonical', () => {
    expect(parseAllowHosts(' 127.0.0.1:9000, Receiver.Internal ,[::1]:9001,::1,2130706433:81 ')).toEqual([
      { host: '127.0.0.1', port: 9000 },
      { host: 'receiver.internal', port: null },
      { host: '[::1]', port: 9001 },
      { host: '[::1]', port: null },
      { host: '127.0.0.1', port: 81 },
    ]);
    expect(parseAllowHosts('')).toEqual([]);
    expect(parseAllowHosts(undefined)).toEqual([]);
  });

  it('explains every bad entry', () => {
    expect(() => parseAllowHosts('http://x, a b,ok.test,x:0,x:65536,[nope]:1,*.example.com')).toThrow(
      '"http://x" is not a host or host:port (e.g. 127.0.0.1:9000, receiver.internal, [::1]:9000); "a b" is not a host or host:port (e.g. 127.0.0.1:9000, receiver.internal, [::1]:9000); "x:0": the port must be 1 to 65535; "x:65536": the port must be 1 to 65535; "[nope]:1" is not a host or host:port (e.g. 127.0.0.1:9000, receiver.internal, [::1]:9000); "*.example.com" is not a host or host:port (e.g. 127.0.0.1:9000, receiver.internal, [::1]:9000)',
    );
    expect(() => parseConfig({ MASKLAB_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:99999' })).toThrow(/MASKLAB_WEBHOOK_ALLOW_HOSTS: "127\.0\.0\.1:99999": the port must be 1 to 65535/);
  });

  it('matches the host, and the port when the entry names one (the scheme default otherwise)', () => {
    const allow = parseAllowHosts('127.0.0.1:9000,receiver.internal,[::1]:443,10.0.0.5:80');
    const allowed = (url: string) => isAllowedHost(new URL(url), allow);
    expect(allowed('http://127.0.0.1:9000/hook')).toBe(true);
    expect(allowed('http://2130706433:9000/hook')).toBe(true);
    expect(allowed('http://127.0.0.1:9001/hook')).toBe(false);
    expect(allowed('http://127.0.0.1/hook')).toBe(false);
    expect(allowed('http://127.0.0.2:9000/hook')).toBe(false);
    expect(allowed('http://receiver.internal:1234/x')).toBe(true);
    expect(allowed('http://RECEIVER.internal./x')).toBe(true);
    expect(allowed('http://evil.receiver.internal/x')).toBe(false);
    expect(allowed('https://[::1]/x')).toBe(true);
    expect(allowed('http://[::1]/x')).toBe(false);
    expect(allowed('http://10.0.0.5/x')).toBe(true);
    expect(allowed('https://10.0.0.5/x')).toBe(false);
    expect(literalRefusal(new URL('http://127.0.0.1:9000/'), allow)).toBeNull();
    expect(literalRefusal(new URL('http://127.0.0.1:9002/'), allow)).toBe('127.0.0.1 is a loopback address');
  });

  it('the environment hook is refused at start-up unless its host is listed', () => {
    expect(() => parseConfig({ MASKLAB_WEBHOOK_URL: 'http://169.254.169.254/latest' })).toThrow(/MASKLAB_WEBHOOK_URL: refused: 169\.254\.169\.254 is a link-local address/);
    expect(() => parseConfig({ MASKLAB_WEBHOOK_URL: 'http://0x7f.1:9000/' })).toThrow(/refused: 127\.0\.0\.1 is a loopback address/);
    expect(() => parseConfig({ MASKLAB_WEBHOOK_URL: 'https://u:p@hooks.example.com/' })).toThrow(/MASKLAB_WEBHOOK_URL: must not contain a user name or password/);
    expect(parseConfig({ MASKLAB_WEBHOOK_URL: 'http://127.0.0.1:9000/h', MASKLAB_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:9000' }).webhookAllowHosts).toEqual([{ host: '127.0.0.1', port: 9000 }]);
  });
});
