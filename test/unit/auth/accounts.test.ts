import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessOf } from '../../../src/auth/access-policy.ts';
import { hashPassword, verifyPassword } from '../../../src/auth/passwords.ts';
import { isPulseError, type PulseError } from '../../../src/shared/errors.ts';
import { memoryAccounts, type TestAccounts } from '../../helpers/accounts.ts';

const PASSWORD = 'correct horse battery';

/** The error a promise rejects with (it must reject). */
async function failure(promise: Promise<unknown>): Promise<PulseError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isPulseError(error), String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

describe('passwords', () => {
  test('scrypt with a salt per hash: the same password hashes differently, verifies, and nothing else does', async () => {
    const [a, b] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    assert.equal(await verifyPassword(a, PASSWORD), true);
    assert.equal(await verifyPassword(b, PASSWORD), true);
    assert.equal(await verifyPassword(a, `${PASSWORD} `), false);
    assert.equal(await verifyPassword('plain-text', PASSWORD), false);
  });
});

describe('accounts', () => {
  let clock = Date.parse('2026-12-01T12:00:00Z');
  let t: TestAccounts;
  before(async () => {
    t = await memoryAccounts({ sites: ['alpha', 'beta'], operatorToken: 'operator-token-0123456789', now: () => clock, throttleLimit: 8 });
  });
  after(() => t.close());

  test('the first admin comes from the one-time setup token, which then stops working', async () => {
    const { accounts } = t;
    assert.equal(await accounts.needsSetup(), true);
    const token = await accounts.issueSetupToken();
    assert.ok(token !== undefined);
    assert.equal(
      (await failure(accounts.completeSetup({ token: 'pst_wrong', username: 'root', password: PASSWORD }))).detail,
      'invalid_setup_token',
    );
    const session = await accounts.completeSetup({ token, username: 'root', password: PASSWORD });
    assert.equal(session.principal.role, 'admin');
    assert.equal(await accounts.needsSetup(), false);
    assert.equal(await accounts.issueSetupToken(), undefined);
    assert.equal((await failure(accounts.completeSetup({ token, username: 'again', password: PASSWORD }))).detail, 'invalid_setup_token');
  });

  test('login opens a session; a wrong password or an unknown user is the same 401; logout ends it', async () => {
    const { accounts } = t;
    const wrong = await failure(accounts.login({ username: 'root', password: 'not the password', client: '10.0.0.1' }));
    const unknown = await failure(accounts.login({ username: 'nobody', password: PASSWORD, client: '10.0.0.1' }));
    assert.deepEqual([wrong.detail, wrong.message], [unknown.detail, unknown.message]);
    assert.equal(wrong.detail, 'invalid_credentials');
    const session = await accounts.login({ username: 'root', password: PASSWORD, client: '10.0.0.1' });
    const principal = await accounts.authenticate({ session: session.sessionId });
    assert.equal(principal?.kind, 'session');
    assert.equal(principal.kind === 'session' ? principal.csrf : '', session.csrf);
    await accounts.logout(principal.kind === 'session' ? principal.sessionDigest : '');
    assert.equal(await accounts.authenticate({ session: session.sessionId }), undefined);
  });

  test('five wrong passwords in a row lock the account for 15 minutes, even against the right one', async () => {
    const { accounts } = t;
    await accounts.addUser({ username: 'lock', password: PASSWORD, role: 'viewer', sites: ['alpha'] });
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await failure(accounts.login({ username: 'lock', password: `wrong ${i}`, client: `10.1.0.${i}` }))).detail,
        'invalid_credentials',
      );
    }
    const locked = await failure(accounts.login({ username: 'lock', password: PASSWORD, client: '10.1.1.1' }));
    assert.equal(locked.detail, 'account_locked');
    assert.equal(locked.retryAfterSeconds, 15 * 60);
    clock += 15 * 60_000 + 1;
    assert.equal((await accounts.login({ username: 'lock', password: PASSWORD, client: '10.1.1.1' })).principal.role, 'viewer');
  });

  test('one address is throttled after its limit of failed logins (here 8; 20 by default), whichever accounts it tries', async () => {
    const { accounts } = t;
    for (let i = 0; i < 8; i++) await failure(accounts.login({ username: `guess-${i}`, password: PASSWORD, client: '192.0.2.9' }));
    const throttled = await failure(accounts.login({ username: 'root', password: PASSWORD, client: '192.0.2.9' }));
    assert.equal(throttled.detail, 'too_many_attempts');
    assert.ok((throttled.retryAfterSeconds ?? 0) > 0);
    assert.equal((await accounts.login({ username: 'root', password: PASSWORD, client: '192.0.2.10' })).principal.role, 'admin');
    clock += 15 * 60_000 + 1;
    assert.equal((await accounts.login({ username: 'root', password: PASSWORD, client: '192.0.2.9' })).principal.role, 'admin');
  });

  test('viewers read the sites granted; tokens act as their user until revoked; the operator token is an admin', async () => {
    const { accounts } = t;
    const viewer = await accounts.addUser({ username: 'vera', password: PASSWORD, role: 'viewer', sites: ['beta'] });
    assert.deepEqual(viewer.sites, ['beta']);
    assert.equal((await failure(accounts.addUser({ username: 'vera', password: PASSWORD, role: 'viewer' }))).code, 'PULSE_CONFLICT');
    assert.equal((await failure(accounts.addUser({ username: 'x', password: 'short', role: 'viewer' }))).detail, 'weak_password');
    assert.equal(
      (await failure(accounts.addUser({ username: 'y', password: PASSWORD, role: 'viewer', sites: ['nope'] }))).detail,
      'unknown_site',
    );
    const issued = await accounts.createToken(viewer, 'ci');
    const principal = await accounts.authenticate({ bearer: issued.token });
    assert.equal(principal?.kind, 'token');
    assert.deepEqual(principal?.sites === 'all' ? 'all' : [...(principal?.sites ?? [])], ['beta']);
    assert.equal((await accounts.listTokens(viewer.id))[0]?.lastUsedAt !== null, true, 'use is recorded');
    await accounts.revokeToken(issued.id, viewer.id);
    assert.equal((await failure(accounts.authenticate({ bearer: issued.token }))).detail, 'invalid_token');
    assert.deepEqual(await accounts.authenticate({ bearer: 'operator-token-0123456789' }), {
      kind: 'operator',
      role: 'admin',
      sites: 'all',
    });
  });

  test('a password change ends the user’s sessions; the last admin can be neither removed nor demoted', async () => {
    const { accounts } = t;
    const session = await accounts.login({ username: 'vera', password: PASSWORD, client: '10.2.0.1' });
    await accounts.setPassword('vera', 'another long password');
    assert.equal(await accounts.authenticate({ session: session.sessionId }), undefined);
    assert.equal((await failure(accounts.removeUser('root'))).code, 'PULSE_CONFLICT');
    assert.equal((await failure(accounts.setRole('root', 'viewer'))).code, 'PULSE_CONFLICT');
    await accounts.addUser({ username: 'second', password: PASSWORD, role: 'admin' });
    await accounts.setRole('root', 'viewer');
    assert.equal((await accounts.listUsers()).find((u) => u.username === 'root')?.role, 'viewer');
    await accounts.setRole('root', 'admin');
    await accounts.removeUser('second');
  });

  test('sites: added ones are collected for at once, PULSE_SITES ones cannot be removed, removal drops grants and share links', async () => {
    const { accounts } = t;
    assert.equal(accounts.sites.accepted !== 'any' && accounts.sites.accepted.has('gamma'), false);
    const site = await accounts.addSite({ key: 'gamma', name: 'Gamma shop', origins: ['https://gamma.example/', 'https://gamma.example'] });
    assert.deepEqual(site.origins, ['https://gamma.example']);
    assert.equal(accounts.sites.accepted !== 'any' && accounts.sites.accepted.has('gamma'), true);
    assert.deepEqual([...(accounts.sites.originsOf('gamma') ?? [])], ['https://gamma.example']);
    assert.equal((await failure(accounts.addSite({ key: 'delta', origins: ['ftp://x'] }))).detail, 'invalid_origin');
    assert.equal((await failure(accounts.removeSite('alpha'))).code, 'PULSE_CONFLICT');
    await accounts.grantSites('vera', ['beta', 'gamma']);
    const share = await accounts.createShare('gamma');
    assert.deepEqual(await accounts.authenticate({ share: share.token }), { kind: 'share', role: 'share', sites: new Set(['gamma']) });
    await accounts.removeSite('gamma');
    assert.equal(accounts.sites.accepted !== 'any' && accounts.sites.accepted.has('gamma'), false);
    assert.deepEqual((await accounts.listUsers()).find((u) => u.username === 'vera')?.sites, ['beta']);
    assert.equal(await accounts.authenticate({ share: share.token }), undefined);
  });

  test('a revoked share link opens nothing', async () => {
    const { accounts } = t;
    const share = await accounts.createShare('beta');
    assert.equal(await accounts.openShare(share.token), 'beta');
    await accounts.revokeShare('beta', share.id);
    assert.equal(await accounts.openShare(share.token), undefined);
    // A site that does not exist (or was removed) has no share links to list or create: 404.
    assert.equal((await failure(accounts.listShares('gamma'))).code, 'PULSE_NOT_FOUND');
    assert.equal((await failure(accounts.createShare('gamma'))).code, 'PULSE_NOT_FOUND');
  });
});

describe('access policy', () => {
  test('collect, tracker, login and shopper routes are public; analytics are for readers; the rest is for admins', () => {
    const cases: [string, string, string][] = [
      ['POST', '/api/events', 'public'],
      ['POST', '/api/coordinates', 'public'],
      ['GET', '/t.js', 'public'],
      ['GET', '/health', 'public'],
      ['GET', '/dashboard/*', 'public'],
      ['POST', '/api/auth/login', 'public'],
      ['GET', '/api/shop/search', 'public'],
      ['POST', '/api/alerts/webhook', 'public'],
      ['GET', '/metrics', 'metrics'],
      ['GET', '/api/stats/realtime', 'read'],
      ['GET', '/api/history/pages', 'read'],
      ['GET', '/query/aggregates', 'read'],
      ['GET', '/api/sites', 'read'],
      ['POST', '/api/sites', 'admin'],
      ['GET', '/api/alerts', 'member'],
      ['POST', '/api/auth/tokens', 'member'],
      ['GET', '/api/kafka/topics', 'admin'],
      ['GET', '/api/topics', 'admin'],
      ['GET', '/api/admin/export', 'admin'],
      ['GET', '/api/users', 'admin'],
      ['GET', '/api/some-future-route', 'admin'],
    ];
    for (const [method, route, access] of cases) assert.equal(accessOf(method, route), access, `${method} ${route}`);
  });
});
