/**
 * `npm run check:bundle`: bundles the Worker as `wrangler deploy` would (offline, nothing uploaded),
 * prints its size and exits 1 when the gzipped bundle is over budget. `npm run deploy` runs it
 * first; docs/performance.md "Bundle size" has the method and the latest figure.
 */
import { GZIP_BUDGET_BYTES, measureBundle } from "./lib/bundle-size.ts";

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const { rawBytes, gzipBytes } = await measureBundle();
console.log(`Worker bundle: ${kib(rawBytes)} raw, ${kib(gzipBytes)} gzip (budget ${kib(GZIP_BUDGET_BYTES)} gzip)`);
if (gzipBytes > GZIP_BUDGET_BYTES) {
  console.error(
    `The bundle is ${kib(gzipBytes - GZIP_BUDGET_BYTES)} over budget: see what grew with ` +
      "`npx wrangler deploy --dry-run --outdir /tmp/bundle --metafile /tmp/bundle/meta.json`.",
  );
  process.exit(1);
}
