import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBus } from '../../../src/bus/embedded/embedded-bus.ts';
import { defineIngestSuite } from '../../helpers/ingest-suite.ts';

defineIngestSuite('ingest over the embedded bus', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-ingest-'));
  const bus = await createEmbeddedBus({ dir });
  return {
    bus,
    cleanup: async () => {
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
