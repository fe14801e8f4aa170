import { Admin } from '@platformatic/kafka';
import { kafkaBrokers } from './services.ts';

/**
 * Deletes the topics a test made on the shared broker (those that exist), so runs leave none
 * behind. The Bus port has no topic deletion: Pulse never deletes topics, only tests do.
 */
export async function deleteKafkaTopics(names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const admin = new Admin({ clientId: 'test-cleanup', bootstrapBrokers: kafkaBrokers.split(',') });
  try {
    const existing = new Set(await admin.listTopics());
    const mine = names.filter((name) => existing.has(name));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.close();
  }
}
