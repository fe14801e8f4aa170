import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, repoRoot, spawnPulse, testAdminToken, waitForHealth, type PulseProcess } from '../helpers/services.ts';

/**
 * `pulse users …` and `pulse sites …` as an operator runs them on embedded Pulse: first on the
 * data directory while Pulse is stopped (the CLI opens the store itself), then while `pulse start`
 * runs on it (the CLI goes through its admin API with PULSE_ADMIN_TOKEN). What the CLI made must
 * be what the server then serves: the user signs in, the site and its shields are listed.
 */

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one `pulse` command to its end (bounded), with `input` on its standard input. */
function pulseCli(args: string[], env: Record<string, string>, input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'pulse.js'), ...args], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

const ok = (run: Run, what: string): string => {
  assert.equal(run.code, 0, `${what}: exit ${run.code}\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
};

interface UserRow {
  username: string;
  role: string;
  sites: string[];
}
interface SiteRow {
  key: string;
  name: string;
  origins: string[];
  excludedIps: string[];
  excludedPaths: string[];
}

describe('pulse users and pulse sites on embedded Pulse', { timeout: 420_000 }, () => {
  let dataDir: string;
  let env: Record<string, string>;
  let base: string;
  let server: PulseProcess | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-accounts-cli-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { PULSE_DATA_DIR: dataDir, PULSE_PORT: String(port), PULSE_LOG_LEVEL: 'warn', PULSE_SITES: 'demo' };
  });

  after(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('with Pulse stopped: users and sites are written to its data directory', async () => {
    // No PULSE_ADMIN_TOKEN: nothing is running, so the CLI needs none.
    ok(await pulseCli(['users', 'add', 'ada', '--role', 'admin', '--password-stdin'], env, 'ada-long-password-1\n'), 'users add ada');
    const added = ok(
      await pulseCli(['users', 'add', 'vic', '--role', 'viewer', '--sites', 'demo', '--password-stdin'], env, 'vic-long-password-1\n'),
      'users add vic',
    );
    assert.match(added, /added viewer vic \(sites: demo\)/);
    ok(await pulseCli(['sites', 'add', 'shop', '--name', 'The shop', '--origins', 'https://shop.example'], env), 'sites add shop');
    const shielded = ok(await pulseCli(['sites', 'shield', 'shop', '--ips', '10.0.0.0/8', '--paths', '/admin/*'], env), 'sites shield');
    assert.match(shielded, /shop: excluded addresses 10\.0\.0\.0\/8; excluded paths \/admin\/\*/);

    // Refused with a reason and a non-zero exit: a short password, an invalid key, an unknown user.
    const short = await pulseCli(['users', 'add', 'tom', '--password-stdin'], env, 'short\n');
    assert.notEqual(short.code, 0);
    const badKey = await pulseCli(['sites', 'add', 'no spaces!'], env);
    assert.notEqual(badKey.code, 0);
    assert.match(badKey.stdout + badKey.stderr, /site key|key/i);
    const nobody = await pulseCli(['users', 'remove', 'nobody'], env);
    assert.notEqual(nobody.code, 0);

    const users = JSON.parse(ok(await pulseCli(['users', 'list', '--json'], env), 'users list')) as UserRow[];
    assert.deepEqual(users.map((u) => [u.username, u.role, u.role === 'viewer' ? u.sites : '*']).sort(), [
      ['ada', 'admin', '*'],
      ['vic', 'viewer', ['demo']],
    ]);
    const sites = JSON.parse(ok(await pulseCli(['sites', 'list', '--json'], env), 'sites list')) as SiteRow[];
    const shop = sites.find((s) => s.key === 'shop');
    assert.deepEqual(shop && { name: shop.name, origins: shop.origins, ips: shop.excludedIps, paths: shop.excludedPaths }, {
      name: 'The shop',
      origins: ['https://shop.example'],
      ips: ['10.0.0.0/8'],
      paths: ['/admin/*'],
    });
  });

  test('while pulse start runs: the CLI goes through its API, and what it made signs in and is served', async () => {
    server = spawnPulse(['start'], env);
    await waitForHealth(base, server);

    // Without the running instance's admin token the CLI says what to do instead of touching its files.
    const refused = await pulseCli(['users', 'list'], env);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /PULSE_ADMIN_TOKEN/);

    const withToken = { ...env, PULSE_ADMIN_TOKEN: testAdminToken };
    ok(await pulseCli(['users', 'passwd', 'vic', '--password-stdin'], withToken, 'vic-new-password-2\n'), 'users passwd');
    ok(await pulseCli(['users', 'set', 'vic', '--sites', 'demo,shop'], withToken), 'users set');

    const login = (username: string, password: string) =>
      fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
        signal: AbortSignal.timeout(15_000),
      });
    assert.equal((await login('ada', 'ada-long-password-1')).status, 200, 'the admin made while Pulse was stopped signs in');
    assert.equal((await login('vic', 'vic-long-password-1')).status, 401, 'the old password no longer works');
    const vic = await login('vic', 'vic-new-password-2');
    assert.equal(vic.status, 200);
    const cookie = vic.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const me = (await (await fetch(`${base}/api/auth/me`, { headers: { cookie } })).json()) as {
      role: string;
      user: { username: string } | null;
      sites: string[] | '*';
    };
    assert.deepEqual([me.role, me.user?.username, me.sites], ['viewer', 'vic', ['demo', 'shop']]);

    const served = (await (await fetch(`${base}/api/sites`, { headers: { authorization: `Bearer ${testAdminToken}` } })).json()) as {
      sites: string[];
      records: SiteRow[];
    };
    assert.ok(served.sites.includes('shop'), JSON.stringify(served.sites));
    const shop = served.records.find((s) => s.key === 'shop');
    assert.deepEqual(shop && [shop.origins, shop.excludedIps, shop.excludedPaths], [
      ['https://shop.example'],
      ['10.0.0.0/8'],
      ['/admin/*'],
    ]);

    ok(await pulseCli(['users', 'remove', 'vic'], withToken), 'users remove');
    ok(await pulseCli(['sites', 'remove', 'shop'], withToken), 'sites remove');
    const users = JSON.parse(ok(await pulseCli(['users', 'list', '--json'], withToken), 'users list')) as UserRow[];
    assert.deepEqual(
      users.map((u) => u.username),
      ['ada'],
    );
    assert.equal((await login('vic', 'vic-new-password-2')).status, 401, 'a removed user cannot sign in');
    const sites = JSON.parse(ok(await pulseCli(['sites', 'list', '--json'], withToken), 'sites list')) as SiteRow[];
    assert.deepEqual(
      sites.map((s) => s.key),
      ['demo'],
    );
  });
});
