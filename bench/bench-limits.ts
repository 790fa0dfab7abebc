/**
 * Benchmarks measure throughput: one client sends as fast as it can, far over the per-connection request
 * rate of PROTOCOL §11 (default 200/s), and many connections come from one address. Their servers run
 * with the rate limit and the connection cap off; every other limit keeps its default.
 */
export const UNLIMITED = { limits: { maxRequestsPerSecond: 0, maxBytesPerSecond: 0, maxConnections: 0 } };
