/** The gateway's route table for the run: every path forwards to the local upstream. */
export function benchRouteTable(upstreamUrl: string): string {
  const upstream = { url: upstreamUrl };
  return JSON.stringify({
    routes: [
      { name: "bench-public", path: "/bench/public/*", methods: ["GET"], credentials: ["public"], upstream },
      {
        name: "bench-bearer",
        path: "/bench/bearer/*",
        methods: ["GET"],
        credentials: ["bearer"],
        userTypes: ["user"],
        upstream,
      },
      {
        name: "bench-api-key",
        path: "/bench/api-key/*",
        methods: ["GET"],
        credentials: ["api_key"],
        permissions: ["sms"],
        upstream,
      },
      {
        name: "bench-cookie",
        path: "/bench/cookie/*",
        methods: ["GET"],
        credentials: ["session"],
        userTypes: ["user"],
        upstream,
      },
      { name: "bench-pers", path: "/bench/pers/*", methods: ["GET"], credentials: ["pers"], upstream },
    ],
  });
}
