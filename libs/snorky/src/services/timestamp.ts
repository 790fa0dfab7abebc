/** ISO 8601 with the UTC offset spelled out (PROTOCOL §9), e.g. 2026-11-29T10:00:00.123+00:00. */
export function isoTimestamp(date = new Date()): string {
  return date.toISOString().replace('Z', '+00:00');
}
