import { describe, expect, it } from "vitest";
import { ipBucketOf } from "../../src/services/ip-buckets";

describe("the per-IP rate-limit bucket of a client address", () => {
  it("an IPv4 address is its own bucket", () => {
    expect(ipBucketOf("192.0.2.1")).toBe("192.0.2.1");
  });

  it("every address of one IPv6 /64 shares one bucket, however it is written", () => {
    const bucket = "2001:db8:1:2::/64";
    for (const ip of ["2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:0DB8:0001:0002:a:b:c:d"]) {
      expect(ipBucketOf(ip)).toBe(bucket);
    }
    expect(ipBucketOf("2001:db8:1:2:0:0:0:5%eth0")).toBe(bucket);
  });

  it("different /64s are different buckets", () => {
    expect(ipBucketOf("2001:db8:1:2::1")).not.toBe(ipBucketOf("2001:db8:1:3::1"));
    expect(ipBucketOf("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipBucketOf("::1")).toBe("0:0:0:0::/64");
  });

  it("an IPv4-mapped IPv6 address counts as the IPv4 address it carries", () => {
    expect(ipBucketOf("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(ipBucketOf("::ffff:198.51.100.7")).not.toBe(ipBucketOf("::ffff:192.0.2.1"));
  });

  it("what is not an address is kept as it is, never merged with others", () => {
    for (const junk of [
      "1:2:3",
      "2001:db8::1::2",
      "2001:db8:1:2:3:4:5:6:7",
      "gggg::1",
      "::ffff:1.2.3.999",
      "unknown",
    ]) {
      expect(ipBucketOf(junk)).toBe(junk);
    }
  });
});
