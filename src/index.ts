import { env } from "cloudflare:workers";
import { createApp } from "./app";
import type { Bindings } from "./env";
import { scheduled } from "./scheduled";
import { checkConfiguration } from "./startup";

// At module load: a bad variable or route table stops `wrangler dev` and fails the deploy.
checkConfiguration(env as unknown as Bindings);

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled,
} satisfies ExportedHandler<Bindings>;
