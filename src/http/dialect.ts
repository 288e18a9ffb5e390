import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, Dialect } from "./context";

/** A dialect fixed for a route, or chosen per request (a path shared by two contracts). */
export type DialectChoice = Dialect | ((c: Context<AppEnv>) => Dialect);

/** The dialect a choice names for this request. */
export function dialectFor(choice: DialectChoice, c: Context<AppEnv>): Dialect {
  return typeof choice === "function" ? choice(c) : choice;
}

/** Errors on the routes behind this are written in the chosen dialect. */
export function speak(choice: DialectChoice) {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set("dialect", dialectFor(choice, c));
    await next();
  });
}
