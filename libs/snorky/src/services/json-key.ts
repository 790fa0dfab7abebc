import { canonicalJson } from '../protocol/json-value';
import { ErrorText } from '../protocol/error-text';
import { RpcError } from '../rpc/rpc-error';

/**
 * The canonical JSON of a channel, document or name: its identity (compared by value) and its roster
 * key. Over `max` bytes (limits.maxChannelSize; 0 = no limit) it is `Invalid params` (PROTOCOL §11).
 */
export function jsonKey(value: unknown, max: number): string {
  const key = canonicalJson(value);
  if (max > 0 && (key.length > max || Buffer.byteLength(key) > max)) throw new RpcError(ErrorText.InvalidParams);
  return key;
}
