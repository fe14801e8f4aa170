import type { Client } from '@opensearch-project/opensearch';
import { errors } from '@opensearch-project/opensearch';
import { storeError } from '../../store-errors.ts';
import { OpenSearchError } from './errors.ts';
import { indexBodies, versionedName, type IndexNames } from './mappings.ts';

/** Whether OpenSearch answered that the index being created exists already (a concurrent migrate). */
function alreadyExists(error: unknown): boolean {
  if (!(error instanceof errors.ResponseError) || error.statusCode !== 400) return false;
  const type = (error.meta.body as { error?: { type?: unknown } } | undefined)?.error?.type;
  return type === 'resource_already_exists_exception';
}

/**
 * Creates `<alias>_v1` with its mapping and the alias, for each index that has no alias yet.
 * Idempotent, and safe against a concurrent migrate: the index and its alias are created in one
 * request, and `resource_already_exists_exception` means the other one won. An index named like
 * the alias (created by hand, or auto-created by a write of another tool) is refused: its mapping
 * is not Pulse's.
 */
export async function migrateIndexes(client: Client, names: IndexNames): Promise<void> {
  for (const { alias, body } of indexBodies(names)) {
    let hasAlias: boolean;
    let exists: boolean;
    try {
      // This order matters: a concurrent migrate creates the index and its alias together, so
      // once the name exists, asking whether it is an alias tells the truth.
      exists = (await client.indices.exists({ index: alias })).body;
      hasAlias = exists && (await client.indices.existsAlias({ name: alias })).body;
    } catch (error) {
      throw new OpenSearchError(`migrate ${alias}`, error);
    }
    if (hasAlias) continue;
    if (exists)
      throw storeError('failed', `opensearch migrate: ${alias} is an index, not Pulse's alias; delete it or reindex it into a Pulse index`);
    try {
      await client.indices.create({ index: versionedName(alias), body: { ...body, aliases: { [alias]: {} } } });
    } catch (error) {
      if (!alreadyExists(error)) throw new OpenSearchError(`migrate ${alias}`, error);
    }
  }
}
