let n = 0;
/** A name no other test of the run uses (suites share their servers). */
export function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${++n}`;
}
