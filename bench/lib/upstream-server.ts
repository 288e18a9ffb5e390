/**
 * The origin every benchmarked path forwards to: a Node HTTP server on loopback that answers
 * 200 with a small JSON body at once. It runs in its own process (`startUpstream`) so that it
 * does not share an event loop with the load generator.
 */
import { fork } from "node:child_process";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";

const BODY = JSON.stringify({ ok: true, from: "bench-upstream" });

function serve(): void {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(BODY) });
      response.end(BODY);
    });
  });
  server.keepAliveTimeout = 60_000;
  // The benchmark's end, or its crash, closes the IPC channel: the upstream goes with it.
  process.on("disconnect", () => process.exit(0));
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    if (typeof address === "object" && address) process.send?.({ port: address.port });
  });
}

export interface RunningUpstream {
  url: string;
  stop: () => void;
}

/** Starts the upstream in a child process and resolves with its URL. */
export function startUpstream(): Promise<RunningUpstream> {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], { execArgv: ["--import", "tsx"] });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("message", (message: { port: number }) => {
      resolve({ url: `http://127.0.0.1:${message.port}`, stop: () => child.kill() });
    });
  });
}

if (process.argv.includes("--serve")) serve();
