import type { Accumulator, Batch, DStream, StreamingContext } from '@dstream/core';
import { directStream, kafkaSink } from '@dstream/connector-kafka';
import { type PageView, parsePageView } from './events.js';
import {
  type UserTotal,
  type WindowRecord,
  batchLedgerSink,
  historySink,
  leaderboardSink,
  totalsSink,
} from './outputs.js';
import type { RunConfig } from './run-config.js';

export interface ClickstreamStreams {
  readonly views: DStream<PageView>;
  /** Page views per page over the window, sorted (what the console prints). */
  readonly leaderboard: DStream<[string, number]>;
  readonly malformed: Accumulator;
}

/**
 * The seeds' pipeline as one job function (rebuilt on every restart by getOrCreate):
 * Kafka direct stream → parse/clean → Kafka (exactly once, transactional) + dead letters,
 * page views per page over a sliding window → Redis leaderboard, per-user totals
 * (updateStateByKey) → MySQL, each user's history → HBase.
 */
export function clickstreamJob(ctx: StreamingContext, config: RunConfig): ClickstreamStreams {
  const brokers = [...config.brokers];
  const malformed = ctx.accumulator('malformed');

  // Cleaned events: one Kafka transaction per source partition with its records and the range's
  // next offset (sendOffsets to the group), so a replayed range is recognised and skipped.
  const cleanSink = kafkaSink<PageView>({
    name: 'kafka cleaned events',
    brokers,
    topic: config.topics.clean,
    key: (v) => v.user,
    value: (v) => JSON.stringify(v),
    transactional: { groupId: config.groupId, transactionTimeout: 30_000 },
  });
  const deadSink = kafkaSink<{ id: string; raw: string }>({
    name: 'kafka dead letters',
    brokers,
    topic: config.topics.deadLetter,
    key: (r) => r.id,
    value: (r) => r.raw,
    transactional: { groupId: `${config.groupId}-dead`, transactionTimeout: 30_000 },
  });

  const records = directStream(ctx, {
    brokers,
    topics: [config.topics.input],
    groupId: config.groupId,
    startingOffsets: 'earliest',
    maxRatePerPartition: 2000,
    offsetStore: cleanSink.offsetStore!, // without a checkpoint: resume where the clean sink committed
  });
  const parsed = records.map((r) => ({
    view: parsePageView(r.value ?? '', r.partition, r.offset),
    id: `${r.partition}-${r.offset}`,
    raw: r.value ?? '',
  }));
  const views = parsed.filter((p) => p.view !== undefined).map((p) => p.view!);
  views.to(cleanSink);
  parsed
    .filter((p) => {
      if (p.view !== undefined) return false;
      malformed.add(1); // counted once per successful task (Spark's accumulator semantics)
      return true;
    })
    .map((p) => ({ id: p.id, raw: p.raw }))
    .to(deadSink);

  // Page views per batch: the window below reduces these, and the ledger is their own output.
  const perBatch = views.map((v): [string, number] => [v.page, 1]).reduceByKey((a, b) => a + b, 1);
  // The ledger of what each batch read: what the verifier checks the windows against.
  perBatch
    .transform((batch) => [[{ time: batch.time, ranges: batch.offsetRanges ?? [] }]])
    .to(batchLedgerSink(config));
  const windowed = perBatch.reduceByKeyAndWindow((a, b) => a + b, config.windowMs, config.slideMs, {
    inverse: (a, b) => a - b,
    filter: ([, n]) => n > 0,
    numPartitions: 1, // one partition: each window is rebuilt by one writer
  });
  windowed.transform((batch) => [[windowRecord(batch)]]).to(leaderboardSink(config));
  const leaderboard = windowed.transform((batch) => [batch.partitions.flat().sort((a, b) => b[1] - a[1])]);

  views
    .map((v): [string, PageView] => [v.user, v])
    .updateStateByKey<string, PageView, UserTotal>((events, total) => {
      let next = total;
      for (const e of events) {
        const later = next === undefined || e.timestamp > next.lastSeen;
        next = {
          user: e.user,
          views: (next?.views ?? 0) + 1,
          lastPage: later ? e.page : next!.lastPage,
          lastSeen: later ? e.timestamp : next!.lastSeen,
        };
      }
      return next;
    })
    .map(([, total]) => total)
    .to(totalsSink(config));

  views.to(historySink(config));
  return { views, leaderboard, malformed };
}

function windowRecord(batch: Batch<[string, number]>): WindowRecord {
  const counts: Record<string, number> = {};
  for (const [page, n] of batch.partitions.flat()) counts[page] = n;
  return { time: batch.time, counts };
}
