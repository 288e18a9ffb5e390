import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, Dialect } from "./context";

/** A dialect fixed for a route, or chosen per request (a path shared by two contracts). */
export type DialectChoice = Dialect | ((c: Context<AppEnv>) => Dialect);

/** Errors on the routes behind this are written in the chosen dialect. */
export function speak(choice: DialectChoice) {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set("dialect", typeof choice === "function" ? choice(c) : choice);
    await next();
  });
}
