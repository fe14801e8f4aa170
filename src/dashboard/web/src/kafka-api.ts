/**
 * Reads and writes of `/api/kafka/*`. A refusal keeps the server's status,
 * error code and message, so a form can show exactly why it was refused.
 * Writes (offset reset, test message) go with the admin's session (and its
 * CSRF token, added by session.ts); an admin token typed in the dialog, when
 * there is one, is sent as `Authorization: Bearer` instead. It is kept in
 * sessionStorage, never in localStorage, so closing the tab forgets it.
 */
import type { BrowseQuery } from './kafka-route.ts';
import { messagesParams } from './kafka-route.ts';
import type {
  KafkaErrorBody,
  KafkaGroupDetail,
  KafkaGroupList,
  KafkaMessagePage,
  KafkaOverview,
  KafkaProduceAnswer,
  KafkaProduceRequest,
  KafkaResetAnswer,
  KafkaResetRequest,
  KafkaTopicDetail,
  KafkaTopicList,
} from './kafka-types.ts';
import { apiFetch } from './session.ts';

export class KafkaApiError extends Error {
  readonly status: number;
  /** The answer's `error` field, e.g. `unauthorized`, `conflict`, `not_found`. */
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A route of the Kafka API does not exist on this server (an older Pulse, or a process without it). */
export const isNoRoute = (error: unknown): boolean =>
  error instanceof KafkaApiError && error.status === 404 && error.message.startsWith('no route');

export const isNotFound = (error: unknown): boolean => error instanceof KafkaApiError && error.status === 404;

const TOKEN_KEY = 'pulse.adminToken';

export const adminToken = (): string => {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return ''; // storage blocked: the token is asked for every time
  }
};

export function setAdminToken(token: string): void {
  try {
    if (token === '') window.sessionStorage.removeItem(TOKEN_KEY);
    else window.sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage blocked: nothing is kept
  }
}

async function call<T>(
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; token?: string; signal?: AbortSignal | undefined } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined && options.token !== '') headers['authorization'] = `Bearer ${options.token}`;
  const response = await apiFetch(path, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: options.signal ?? null,
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as Partial<KafkaErrorBody>;
    throw new KafkaApiError(
      response.status,
      body.error ?? 'http_error',
      body.message ?? `${method} ${path.split('?')[0] ?? path}: HTTP ${response.status}`,
    );
  }
  return (await response.json()) as T;
}

const enc = encodeURIComponent;
const withQuery = (path: string, query: Record<string, string | undefined>) => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, value);
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
};

export const readOverview = (signal?: AbortSignal) => call<KafkaOverview>('GET', '/api/kafka/overview', { signal });

/** Topics whose name contains `search`; Kafka's internal ones (`__consumer_offsets`) only when asked. */
export const readTopics = (search: string, signal?: AbortSignal, internal = false) =>
  call<KafkaTopicList>('GET', withQuery('/api/kafka/topics', { search: search.trim(), internal: internal ? 'true' : undefined }), {
    signal,
  });

export const readTopic = (topic: string, signal?: AbortSignal) =>
  call<KafkaTopicDetail>('GET', `/api/kafka/topics/${enc(topic)}`, { signal });

/** The server sends groups a page at a time (by id); a list this long is read whole, then drawn by kafka-table.ts. */
const GROUPS_PAGE = 500;
const GROUPS_MAX = 20_000;

export async function readGroups(search: string, signal?: AbortSignal): Promise<KafkaGroupList> {
  const groups: KafkaGroupList['groups'] = [];
  let cursor: string | null | undefined;
  do {
    const page = await call<KafkaGroupList>(
      'GET',
      withQuery('/api/kafka/groups', { search: search.trim(), limit: String(GROUPS_PAGE), cursor: cursor ?? undefined }),
      { signal },
    );
    groups.push(...page.groups);
    cursor = page.nextCursor;
  } while (cursor !== null && cursor !== undefined && groups.length < GROUPS_MAX);
  return { groups, nextCursor: cursor ?? null };
}

export const readGroup = (group: string, signal?: AbortSignal) =>
  call<KafkaGroupDetail>('GET', `/api/kafka/groups/${enc(group)}`, { signal });

export const messagesUrl = (topic: string, browse: BrowseQuery, cursor: string | null): string =>
  `/api/kafka/topics/${enc(topic)}/messages?${messagesParams(browse, cursor).toString()}`;

export const readMessages = (topic: string, browse: BrowseQuery, cursor: string | null, signal?: AbortSignal) =>
  call<KafkaMessagePage>('GET', messagesUrl(topic, browse, cursor), { signal });

/** The live tail's stream, filtered on the server as the browser's pages are. */
export const liveUrl = (topic: string, browse: Pick<BrowseQuery, 'partition' | 'key' | 'header' | 'value'>): string =>
  withQuery(`/api/kafka/topics/${enc(topic)}/live`, {
    partition: browse.partition === null ? undefined : String(browse.partition),
    key: browse.key,
    header: browse.header,
    value: browse.value,
  });

export const resetOffsets = (group: string, request: KafkaResetRequest, token: string) =>
  call<KafkaResetAnswer>('POST', `/api/kafka/groups/${enc(group)}/reset`, { body: request, token });

export const produceMessage = (topic: string, request: KafkaProduceRequest, token: string) =>
  call<KafkaProduceAnswer>('POST', `/api/kafka/topics/${enc(topic)}/messages`, { body: request, token });

/** What a refusal says to the visitor: the server's own message, with its status. */
export function refusalText(error: unknown): string {
  if (error instanceof KafkaApiError) {
    const why =
      error.status === 401
        ? 'needs the admin token'
        : error.status === 403
          ? error.code === 'admin_only'
            ? 'needs an admin'
            : error.code === 'csrf'
              ? 'CSRF check failed'
              : 'no admin on this server'
          : error.status === 409
            ? 'conflict'
            : error.code;
    return `Refused (${error.status}, ${why}): ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}
