import { Hono } from "hono";

/**
 * The ceiling the gateway is measured against: a bare Hono Worker that forwards every request
 * to the same upstream and returns its answer, with no authentication and no header work.
 */
const app = new Hono<{ Bindings: { UPSTREAM_URL: string } }>();

app.all("*", (c) => {
  const url = new URL(c.req.url);
  return fetch(new Request(`${c.env.UPSTREAM_URL}${url.pathname}${url.search}`, c.req.raw));
});

export default app;
