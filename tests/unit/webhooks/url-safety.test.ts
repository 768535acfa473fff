import { guardedLookup, isPrivateAddress, urlRefusal } from '../../../src/modules/webhooks/url-safety';

describe('webhook URL safety', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '224.0.0.1',
  ])('treats %s as private', (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])('treats %s as public', (address) => expect(isPrivateAddress(address)).toBe(false));

  it('accepts public https and refuses http, private literals and local names unless the host is allowlisted', () => {
    const none = new Set<string>();
    expect(urlRefusal('https://crm.example.org/hooks', none)).toBeUndefined();
    expect(urlRefusal('https://93.184.216.34/hooks', none)).toBeUndefined();
    expect(urlRefusal('http://crm.example.org/hooks', none)).toBe('must be https');
    expect(urlRefusal('https://127.0.0.1/hooks', none)).toMatch(/private/);
    expect(urlRefusal('https://[::ffff:10.0.0.1]/hooks', none)).toMatch(/private/);
    expect(urlRefusal('https://crm.internal/hooks', none)).toMatch(/public host/);
    expect(urlRefusal('not a url', none)).toMatch(/absolute/);
    expect(urlRefusal('http://127.0.0.1:8080/hooks', new Set(['127.0.0.1']))).toBeUndefined();
    expect(urlRefusal('ftp://127.0.0.1/hooks', new Set(['127.0.0.1']))).toBe('must be https');
  });

  it('refuses a name whose resolved address is private, at connection time (DNS rebinding), unless allowlisted', async () => {
    const resolve = (allow: Set<string>) =>
      new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((done) =>
        guardedLookup(allow)('localhost', { all: true }, (error, address) => done({ error, address })),
      );
    const refused = await resolve(new Set());
    expect(refused.error?.code).toBe('ERR_WEBHOOK_PRIVATE_ADDRESS');
    const allowed = await resolve(new Set(['localhost']));
    expect(allowed.error).toBeNull();
    expect(Array.isArray(allowed.address)).toBe(true);
  });
});
