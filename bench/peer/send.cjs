// The peer for the bulk-send benchmark: the npm package `braze-api` sending a campaign to
// every user of an external_user_id CSV, 50 users per `campaigns.trigger.send` (the same
// batches as the CLI), with a pool of N requests in flight, as a user of that package
// would write it. It has no retry, rate-limit handling or record of what was sent.
//
// usage: BRAZE_API_KEY=... node send.cjs URL FILE CONCURRENCY CAMPAIGN_ID
"use strict";

const { createReadStream } = require("node:fs");
const { createInterface } = require("node:readline");
const { Braze } = require("braze-api");

async function main() {
  const [url, file, concurrencyText, campaign_id] = process.argv.slice(2);
  const concurrency = Number(concurrencyText || 16);
  const braze = new Braze(url, process.env.BRAZE_API_KEY || "");
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const inFlight = new Set();
  let header = true;
  let batch = [];
  const send = async (recipients) => {
    const request = braze.campaigns.trigger
      .send({ campaign_id: campaign_id || "bench-campaign", recipients })
      .then(
        () => { ok += recipients.length; },
        () => { failed += recipients.length; },
      )
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
    if (inFlight.size >= concurrency) {
      await Promise.race(inFlight);
    }
  };
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (header) {
      header = false;
      continue;
    }
    batch.push({ external_user_id: line.trim() });
    if (batch.length === 50) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) {
    await send(batch);
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  console.log(JSON.stringify({
    rows: ok + failed, ok, failed, elapsed_s: elapsed, rows_per_s: (ok + failed) / elapsed,
  }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
