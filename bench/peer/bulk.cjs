// The peer for the bulk-cancel benchmark: the npm package `braze-api`, cancelling every
// row of a campaign_id,schedule_id CSV with a pool of N requests in flight, as a user of
// that package would write it. It has no retry or rate-limit handling of its own.
//
// usage: BRAZE_API_KEY=... node bulk.cjs URL FILE CONCURRENCY
"use strict";

const { createReadStream } = require("node:fs");
const { createInterface } = require("node:readline");
const { Braze } = require("braze-api");

async function main() {
  const [url, file, concurrencyText] = process.argv.slice(2);
  const concurrency = Number(concurrencyText || 64);
  const braze = new Braze(url, process.env.BRAZE_API_KEY || "");
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const inFlight = new Set();
  let header = true;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (header) {
      header = false;
      continue;
    }
    const [campaign_id, schedule_id] = line.split(",");
    const request = braze.campaigns.trigger.schedule
      .delete({ campaign_id, schedule_id })
      .then(
        () => { ok += 1; },
        () => { failed += 1; },
      )
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
    if (inFlight.size >= concurrency) {
      await Promise.race(inFlight);
    }
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
