/**
 * The part of the WebSocket interface the client uses. The browser's
 * `WebSocket`, Node's `ws` and `sockjs-client` all provide it.
 */
export interface SocketLike {
  readonly readyState: number;
  // Event parameters are `any` so every implementation's own event types fit.
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A socket class (not an instance): `new socketClass(url, protocols?)`. */
export type SocketClass = new (url: string, protocols?: string | string[]) => SocketLike;

/** Text of a message event, whatever shape the socket implementation gives it. */
export function messageText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  return String(data);
}
