/**
 * Reads one sample from Prometheus text exposition: the value of `name` whose labels include
 * every one of `labels` (undefined when there is no such series).
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const series: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) series[pair[1]] = pair[2];
    if (Object.entries(labels).every(([k, v]) => series[k] === v)) return Number(match[3]);
  }
  return undefined;
}

/** Every value of `label` among the series of `name`. */
export function labelValues(text: string, name: string, label: string): string[] {
  const values = new Set<string>();
  const re = new RegExp(`^${name}\\{[^}]*\\b${label}="([^"]*)"`, 'gm');
  for (const m of text.matchAll(re)) values.add(m[1]);
  return [...values];
}

/** The operations URLs of a standalone server (on its backend listener). */
export function operationsUrl(backendUrl: string, path: string): string {
  return new URL(path, backendUrl).toString();
}

export function basicAuth(password: string, user = 'admin'): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
