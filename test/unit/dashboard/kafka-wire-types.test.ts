import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterAdmin, ClusterInfo, PartitionLag, TopicPartitionOffset } from '../../../src/bus/bus.ts';
import type * as Web from '../../../src/dashboard/web/src/kafka-types.ts';
import type { Order } from '../../../src/dashboard/web/src/kafka-route.ts';
import type { GroupDetail, GroupRow, LagSample } from '../../../src/query/kafka-groups.ts';
import type { BrowsePage, MessageOrder, MessageView } from '../../../src/query/kafka-messages.ts';

/**
 * The Kafka page keeps its own copy of the Kafka API's answers (kafka-types.ts: the browser build
 * cannot import server modules). These assignments only compile while every server shape still
 * fits the page's, so `tsc` fails on a drift.
 */
type Fits<Server, Client> = [Server] extends [Client] ? true : false; // bracketed: a union must fit as a whole
const checks: {
  overview: Fits<{ kind: ClusterAdmin['kind'] } & ClusterInfo, Web.KafkaOverview>;
  groupRow: Fits<GroupRow, Web.KafkaGroupRow>;
  groupDetail: Fits<GroupDetail, Web.KafkaGroupDetail>;
  lag: Fits<PartitionLag, Web.KafkaPartitionLag>;
  lagSample: Fits<LagSample, Web.KafkaLagPoint>;
  message: Fits<MessageView, Web.KafkaMessage>;
  page: Fits<BrowsePage, Web.KafkaMessagePage>;
  reset: Fits<{ group: string; offsets: TopicPartitionOffset[] }, Web.KafkaResetAnswer>;
  // Both ways: the page offers exactly the orders the server accepts.
  order: Fits<MessageOrder, Order>;
  orderBack: Fits<Order, MessageOrder>;
} = {
  overview: true,
  groupRow: true,
  groupDetail: true,
  lag: true,
  lagSample: true,
  message: true,
  page: true,
  reset: true,
  order: true,
  orderBack: true,
};

test("the Kafka API's answers fit the Kafka page's copies (checked by tsc)", () => {
  assert.ok(Object.values(checks).every(Boolean));
});
