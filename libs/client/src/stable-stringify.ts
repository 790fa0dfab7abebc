/**
 * JSON with object keys sorted, so equal JSON values give equal strings.
 * The server compares PubSub channels by value; the client keys its record
 * of subscribed channels the same way. Every own key counts, whatever its
 * name (`__proto__` included), and an explicit stack replaces recursion so
 * no nesting depth can overflow the call stack.
 */
export function stableStringify(value: unknown): string {
  // Two parallel stacks: a literal piece of output to append, or a value still to write.
  const literal: boolean[] = [false];
  const items: unknown[] = [value];
  let out = '';
  while (items.length > 0) {
    const isLiteral = literal.pop();
    const item = items.pop();
    if (isLiteral) {
      out += item as string;
    } else if (item === null || typeof item !== 'object') {
      out += JSON.stringify(item) ?? 'null';
    } else if (Array.isArray(item)) {
      literal.push(true);
      items.push(']');
      for (let i = item.length - 1; i >= 0; i--) {
        literal.push(false, true);
        items.push(item[i], i > 0 ? ',' : '');
      }
      out += '[';
    } else {
      const record = item as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort();
      literal.push(true);
      items.push('}');
      for (let i = keys.length - 1; i >= 0; i--) {
        literal.push(false, true);
        items.push(record[keys[i]], (i > 0 ? ',' : '') + JSON.stringify(keys[i]) + ':');
      }
      out += '{';
    }
  }
  return out;
}
