import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { AccountsAdmin } from '../auth/accounts-admin.ts';
import { loadConfig } from '../config/config.ts';
import type { Role } from '../stores/accounts/account-store.ts';

const siteList = (value: string): string[] => {
  const sites = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (sites.length === 0) throw new InvalidArgumentError('expected comma-separated site keys');
  return sites;
};

const listOrEmpty = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

const roleOption = () =>
  new Option('--role <role>', 'admin (every site, manages users and sites) or viewer (granted sites only)').choices(['admin', 'viewer']);

async function withAdmin<T>(work: (admin: AccountsAdmin) => Promise<T>): Promise<T> {
  const { openAccountsAdmin } = await import('../runtime/cli-ports.ts');
  const admin = await openAccountsAdmin(loadConfig());
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

/** A new password: the first line of stdin with --password-stdin, else asked twice without echo on a terminal. */
async function readPassword(fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin === true) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.split(/\r?\n/, 1)[0] ?? '';
  }
  if (!process.stdin.isTTY) throw new InvalidArgumentError('no terminal to ask the password on: pipe it with --password-stdin');
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      process.stderr.write(question);
      const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
      const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
      rl.question('', (answer) => {
        rl.close();
        process.stderr.write('\n');
        resolve(answer);
      });
    });
  const first = await ask('new password: ');
  if ((await ask('again: ')) !== first) throw new InvalidArgumentError('the two passwords differ');
  return first;
}

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** `pulse users …`: accounts that sign in to the dashboard and APIs. */
export function usersCommand(): Command {
  const users = new Command('users').description(
    'dashboard accounts: admins see and manage everything, viewers see the sites granted to them',
  );

  users
    .command('add <username>')
    .description('add a user (the password is asked for, or read with --password-stdin)')
    .addOption(roleOption().default('viewer'))
    .option('--sites <keys>', 'comma-separated site keys a viewer may read', siteList)
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(async (username: string, options: { role: Role; sites?: string[]; passwordStdin?: boolean }) => {
      const password = await readPassword(options.passwordStdin);
      const user = await withAdmin((admin) => admin.addUser({ username, password, role: options.role, sites: options.sites ?? [] }));
      print(`added ${user.role} ${user.username}${user.role === 'viewer' ? ` (sites: ${user.sites.join(', ') || 'none yet'})` : ''}`);
    });

  users
    .command('list')
    .description('list users, their role and granted sites')
    .option('--json', 'one JSON document')
    .action(async (options: { json?: boolean }) => {
      const list = await withAdmin((admin) => admin.listUsers());
      if (options.json === true) return print(JSON.stringify(list, null, 2));
      for (const user of list)
        print(`${user.username}\t${user.role}\t${user.role === 'admin' ? '*' : user.sites.join(',') || '-'}\t${user.createdAt}`);
      if (list.length === 0) print('no users yet: `pulse users add <name> --role admin`');
    });

  users
    .command('remove <username>')
    .description('remove a user with their sessions and API tokens (never the last admin)')
    .action(async (username: string) => {
      await withAdmin((admin) => admin.removeUser(username));
      print(`removed ${username}`);
    });

  users
    .command('passwd <username>')
    .description('set a user’s password (ends their sessions)')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(async (username: string, options: { passwordStdin?: boolean }) => {
      const password = await readPassword(options.passwordStdin);
      await withAdmin((admin) => admin.setPassword(username, password));
      print(`password of ${username} changed; their sessions are ended`);
    });

  users
    .command('set <username>')
    .description('change a user’s role and/or the sites they may read')
    .addOption(roleOption())
    .option('--sites <keys>', 'comma-separated site keys (replaces the grants)', siteList)
    .action(async (username: string, options: { role?: Role; sites?: string[] }) => {
      const user = await withAdmin((admin) => admin.changeUser(username, options));
      print(`${user.username}: ${user.role}${user.role === 'viewer' ? ` (sites: ${user.sites.join(', ') || 'none'})` : ''}`);
    });

  const tokens = users.command('token').description('API tokens: `Authorization: Bearer <token>` acts as the user');
  tokens
    .command('add <username>')
    .description('issue an API token for a user; the secret is printed once')
    .option('--name <name>', 'what the token is for', 'cli')
    .action(async (username: string, options: { name: string }) => {
      const issued = await withAdmin((admin) => admin.issueToken(username, options.name));
      print(issued.token);
      process.stderr.write(`token ${issued.id} (${issued.name}) for ${username}: keep it now, it is not shown again\n`);
    });
  tokens
    .command('list')
    .description('every API token (never its secret)')
    .action(async () => {
      for (const t of await withAdmin((admin) => admin.listTokens()))
        print(`${t.id}\t${t.username}\t${t.name}\t${t.createdAt}\t${t.lastUsedAt ?? 'never used'}`);
    });
  tokens
    .command('revoke <id>')
    .description('revoke an API token')
    .action(async (id: string) => {
      await withAdmin((admin) => admin.revokeToken(id));
      print(`revoked ${id}`);
    });
  return users;
}

/** `pulse sites …`: the sites Pulse collects for. */
export function sitesCommand(): Command {
  const sites = new Command('sites').description('the sites Pulse collects for (PULSE_SITES keys are created at start)');
  sites
    .command('add <key>')
    .description('add a site: events with this key are collected from then on')
    .option('--name <name>', 'display name (default: the key)')
    .option('--origins <origins>', 'comma-separated origins whose pages may send its events (e.g. https://shop.example)', siteList)
    .action(async (key: string, options: { name?: string; origins?: string[] }) => {
      const site = await withAdmin((admin) => admin.addSite({ key, name: options.name, origins: options.origins }));
      print(`added site ${site.key} (${site.name})${site.origins.length > 0 ? ` for ${site.origins.join(', ')}` : ''}`);
    });
  sites
    .command('list')
    .description('list sites')
    .option('--json', 'one JSON document')
    .action(async (options: { json?: boolean }) => {
      const list = await withAdmin((admin) => admin.listSites());
      if (options.json === true) return print(JSON.stringify(list, null, 2));
      for (const site of list) {
        const shields = [...site.excludedIps, ...site.excludedPaths].join(',') || '-';
        print(`${site.key}\t${site.name}\t${site.origins.join(',') || '*'}\tshields: ${shields}\t${site.createdAt}`);
      }
    });
  sites
    .command('shield <key>')
    .description('exclude addresses / CIDR ranges and page paths (with *) from a site: their visits are dropped at ingest, never stored')
    .option('--ips <rules>', 'comma-separated addresses or ranges, replacing the current ones ("" clears them)', (v: string) =>
      listOrEmpty(v),
    )
    .option('--paths <rules>', 'comma-separated paths such as /admin/*, replacing the current ones ("" clears them)', (v: string) =>
      listOrEmpty(v),
    )
    .action(async (key: string, options: { ips?: string[]; paths?: string[] }) => {
      if (options.ips === undefined && options.paths === undefined) throw new InvalidArgumentError('give --ips and/or --paths');
      const site = await withAdmin((admin) =>
        admin.updateSite(key, {
          ...(options.ips === undefined ? {} : { excludedIps: options.ips }),
          ...(options.paths === undefined ? {} : { excludedPaths: options.paths }),
        }),
      );
      print(
        `${site.key}: excluded addresses ${site.excludedIps.join(', ') || 'none'}; excluded paths ${site.excludedPaths.join(', ') || 'none'}`,
      );
    });
  sites
    .command('remove <key>')
    .description('remove a site: its events are refused from then on (stored ones stay until erased)')
    .action(async (key: string) => {
      await withAdmin((admin) => admin.removeSite(key));
      print(`removed site ${key}`);
    });
  return sites;
}
