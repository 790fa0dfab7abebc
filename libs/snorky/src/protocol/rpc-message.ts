/** RPC request and reply shapes (PROTOCOL §2). Transports and services never build these by hand. */
export type CallId = number | string;

export interface RpcRequestMessage {
  command: string;
  params: Record<string, unknown>;
  /** undefined when the request carried none (or null): the reply then omits it. */
  callId?: CallId;
}

export type RpcParseResult = { ok: true; request: RpcRequestMessage } | { ok: false; reason: string };

export function parseRpcRequest(message: unknown): RpcParseResult {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    return { ok: false, reason: 'RPC message is not an object' };
  }
  const m = message as Record<string, unknown>;
  if (typeof m.command !== 'string') return { ok: false, reason: 'RPC message lacks a string "command"' };
  const params = m.params;
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    return { ok: false, reason: 'RPC message lacks an object "params"' };
  }
  const callId = m.callId;
  if (callId !== undefined && callId !== null && typeof callId !== 'number' && typeof callId !== 'string') {
    return { ok: false, reason: 'RPC "callId" is neither a number nor a string' };
  }
  return {
    ok: true,
    request: { command: m.command, params: params as Record<string, unknown>, callId: callId ?? undefined },
  };
}

export function responseMessage(callId: CallId | undefined, data: unknown) {
  return callId === undefined
    ? { type: 'response' as const, data: data === undefined ? null : data }
    : { type: 'response' as const, callId, data: data === undefined ? null : data };
}

export function errorMessage(callId: CallId | undefined, text: string) {
  return callId === undefined
    ? { type: 'error' as const, message: text }
    : { type: 'error' as const, callId, message: text };
}
