import { describe, expect, it } from "vitest";
import { isPublicHost } from "../../src/public-host";

/** Hosts as the URL parser hands them over, which is how the check sees them. */
const hostOf = (url: string) => new URL(url).hostname;

describe("which hosts are public", () => {
  it("refuses loopback, private, link-local, unspecified and reserved IPv4, in every spelling", () => {
    const refused = [
      "https://127.0.0.1/",
      "https://127.1/",
      "https://2130706433/",
      "https://0x7f000001/",
      "https://0x7f.0.0.1/",
      "https://0177.0.0.1/",
      "https://0.0.0.0/",
      "https://0/",
      "https://10.1.2.3/",
      "https://172.16.0.1/",
      "https://172.31.255.255/",
      "https://192.168.1.1/",
      "https://169.254.169.254/",
      "https://100.64.0.1/",
      "https://192.0.2.1/",
      "https://198.18.0.1/",
      "https://224.0.0.1/",
      "https://255.255.255.255/",
      "https://localhost/",
      "https://LOCALHOST./",
      "https://api.localhost/",
    ];
    for (const url of refused) expect(isPublicHost(hostOf(url)), url).toBe(false);
  });

  it("refuses non-public IPv6: loopback, unspecified, IPv4-mapped, ULA, link-local, documentation, 6to4", () => {
    const refused = [
      "https://[::1]/",
      "https://[::]/",
      "https://[::ffff:127.0.0.1]/",
      "https://[::ffff:8.8.8.8]/",
      "https://[::ffff:7f00:1]/",
      "https://[64:ff9b::a00:1]/",
      "https://[fc00::1]/",
      "https://[fd12:3456::1]/",
      "https://[fe80::1]/",
      "https://[febf::1]/",
      "https://[ff02::1]/",
      "https://[2001:db8::1]/",
      "https://[2001::1]/",
      "https://[2002:c0a8:101::1]/",
      "https://[0:0:0:0:0:0:0:1]/",
    ];
    for (const url of refused) expect(isPublicHost(hostOf(url)), url).toBe(false);
  });

  it("accepts public addresses and names", () => {
    const accepted = [
      "https://idp.example.com/",
      "https://8.8.8.8/",
      "https://172.32.0.1/",
      "https://100.128.0.1/",
      "https://[2606:4700:4700::1111]/",
      "https://[2a00:1450::1]/",
      "https://login.microsoftonline.com/",
    ];
    for (const url of accepted) expect(isPublicHost(hostOf(url)), url).toBe(true);
  });
});
