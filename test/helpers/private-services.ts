import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from './services.ts';

/**
 * Private instances of the stack's servers for fault tests: each on a free port with its data in a
 * temp dir, so a test can kill and restart it without disturbing the shared stack (scripts/stack)
 * that other tests use. The binaries are the ones scripts/stack installs (Debian packages).
 */

const run = promisify(execFile);

export interface PrivateServer {
  /** The URL Pulse takes (PULSE_REDIS_URL, PULSE_POSTGRES_URL, PULSE_CLICKHOUSE_URL). */
  url: string;
  port: number;
  dir: string;
  /** Ends the server abruptly (SIGKILL, PostgreSQL's immediate shutdown): what was acknowledged must survive. */
  crash(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it (if running) and deletes its files. */
  remove(): Promise<void>;
  /** Its log, for assertion messages. */
  log(): string;
}

/** A child's exit as a promise (resolved at once when it has already exited). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function killHard(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined) return;
  const done = exited(child);
  child.kill('SIGKILL');
  await done;
}

/** A server process whose output is kept (bounded) for error messages. */
function spawnServer(command: string, args: string[], output: { text: string }): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    output.text = (output.text + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('error', (error) => keep(Buffer.from(`spawn ${command} failed: ${error.message}\n`)));
  return child;
}

/** Sends one RESP PING to 127.0.0.1:port; true on +PONG. */
function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => finish(data.toString().startsWith('+PONG')));
  });
}

/**
 * redis-server with an append-only file fsynced on every write (appendonly yes, appendfsync
 * always): a write Redis acknowledged survives a SIGKILL, as a production Redis configured for
 * durability does. Nothing else is persisted (no RDB snapshots).
 */
export async function startPrivateRedis(): Promise<PrivateServer> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-fault-redis-'));
  const port = await freePort();
  const output = { text: '' };
  let child: ChildProcess | undefined;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
  const start = async () => {
    child = spawnServer('redis-server', args, output);
    const current = child;
    await waitFor(
      async () => {
        if (current.exitCode !== null) throw new Error(`redis-server exited: ${output.text}`);
        return (await redisPing(port)) ? true : undefined;
      },
      `private redis on ${port}`,
      15_000,
    );
  };
  const server: PrivateServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    crash: () => killHard(child),
    start,
    remove: async () => {
      await killHard(child);
      await rm(dir, { recursive: true, force: true });
    },
    log: () => output.text,
  };
  try {
    await start();
  } catch (error) {
    await server.remove();
    throw error;
  }
  return server;
}

/** The newest PostgreSQL server binaries of the Debian packages (/usr/lib/postgresql/<version>/bin). */
async function postgresBin(): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql')).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  const newest = versions[0];
  if (newest === undefined) throw new Error('no PostgreSQL in /usr/lib/postgresql (run `bash scripts/stack up postgres` once)');
  return join('/usr/lib/postgresql', newest, 'bin');
}

const isRoot = () => process.getuid?.() === 0;

/** initdb and postgres refuse to run as root: as root they run as the `postgres` OS user. */
async function asPostgres(command: string, args: string[], cwd: string): Promise<void> {
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  await run(file, argv, { cwd, timeout: 60_000 });
}

/**
 * A PostgreSQL cluster of its own (initdb into a temp dir, trust authentication on 127.0.0.1, the
 * socket in the same dir), started with pg_ctl; crash() is `pg_ctl stop -m immediate`, which ends
 * every backend without a checkpoint, so the restart replays the WAL like after a power cut.
 */
export async function startPrivatePostgres(): Promise<PrivateServer> {
  const bin = await postgresBin();
  const dir = await mkdtemp(join(tmpdir(), 'pulse-fault-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const port = await freePort();
  if (isRoot()) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pgCtl = (...args: string[]) => asPostgres(join(bin, 'pg_ctl'), ['-D', data, ...args], dir);
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  const start = async () => {
    try {
      await pgCtl('-l', logFile, '-w', '-t', '60', '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`, 'start');
    } catch (error) {
      throw new Error(`pg_ctl start failed: ${String(error)}\n${log()}`);
    }
  };
  const running = async () => {
    try {
      await run(join(bin, 'pg_ctl'), ['-D', data, 'status']);
      return true;
    } catch {
      return false;
    }
  };
  const server: PrivateServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    crash: () => pgCtl('-m', 'immediate', '-w', 'stop'),
    start,
    remove: async () => {
      if (await running()) await pgCtl('-m', 'immediate', '-w', 'stop').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
    log,
  };
  try {
    await asPostgres(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      dir,
    );
    await start();
  } catch (error) {
    await server.remove();
    throw error;
  }
  return server;
}

/** `SELECT 1` over ClickHouse's HTTP interface. */
async function clickhouseAnswers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/?query=SELECT%201`, { signal: AbortSignal.timeout(2000) });
    return response.ok && (await response.text()).trim() === '1';
  } catch {
    return false;
  }
}

/**
 * clickhouse-server (Debian's 18.16, as scripts/stack runs it) with its own config, data and free
 * HTTP and native ports; it starts in well under a second, so a test can crash and restart it.
 */
export async function startPrivateClickHouse(): Promise<PrivateServer> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-fault-clickhouse-'));
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  for (const sub of ['data', 'tmp', 'log', 'user_files', 'format_schemas']) await mkdir(join(dir, sub));
  const config = join(dir, 'config.xml');
  await writeFile(
    config,
    `<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/error.log</errorlog><size>10M</size><count>1</count></logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>${httpPort}</http_port>
    <tcp_port>${tcpPort}</tcp_port>
    <path>${dir}/data/</path>
    <tmp_path>${dir}/tmp/</tmp_path>
    <user_files_path>${dir}/user_files/</user_files_path>
    <format_schema_path>${dir}/format_schemas/</format_schema_path>
    <users_config>${dir}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>67108864</mark_cache_size>
    <mlock_executable>false</mlock_executable>
</yandex>
`,
  );
  await writeFile(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
    <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`,
  );
  const output = { text: '' };
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawnServer('clickhouse-server', [`--config-file=${config}`], output);
    const current = child;
    await waitFor(
      async () => {
        if (current.exitCode !== null) throw new Error(`clickhouse-server exited: ${output.text}`);
        return (await clickhouseAnswers(httpPort)) ? true : undefined;
      },
      `private clickhouse on ${httpPort}`,
      30_000,
    );
  };
  const server: PrivateServer = {
    url: `http://127.0.0.1:${httpPort}`,
    port: httpPort,
    dir,
    crash: () => killHard(child),
    start,
    remove: async () => {
      await killHard(child);
      await rm(dir, { recursive: true, force: true });
    },
    log: () => output.text,
  };
  try {
    await start();
  } catch (error) {
    await server.remove();
    throw error;
  }
  return server;
}
