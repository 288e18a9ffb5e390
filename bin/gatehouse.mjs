#!/usr/bin/env node
// `npx gatehouse`: runs the TypeScript CLI through tsx (a dev dependency), from any directory.
import { register } from "tsx/esm/api";

register();
await import(new URL("../cli/main.ts", import.meta.url).href);
