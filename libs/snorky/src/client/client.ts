import type { Frame } from '../protocol/envelope';

export type TransportKind = 'websocket' | 'sockjs' | 'backend';

/**
 * What a service sees of a connection: never the socket itself, so adding a transport touches no service.
 * `send` takes an already-encoded envelope so one fan-out serializes once for every recipient.
 */
export interface Client {
  readonly id: string;
  readonly transport: TransportKind;
  readonly remoteAddress?: string;
  /**
   * Who is on the other end (PROTOCOL §7): set by the app's authenticator when the connection opens,
   * or by the `identity` service's `authenticate(token)`. `undefined` = anonymous.
   */
  identity?: unknown;
  send(frame: Frame): void;
  /**
   * Told when a frame of this client was dropped (logged, no reply). Only transports with one message
   * each way (backend HTTP) need it, to answer instead of waiting for a reply that will not come.
   */
  frameDropped?(reason: string): void;
  /**
   * Told when a command could not run because the cluster's Redis is unreachable. Transports with
   * one message each way (backend HTTP) answer with their own error (503); others get the
   * `Service unavailable` error reply.
   */
  serviceUnavailable?(reason: string): void;
  /**
   * Ends the connection with a WebSocket close code (e.g. 1008 for a client that keeps flooding).
   * Absent on one-shot transports (backend HTTP).
   */
  close?(code: number, reason: string): void;
}

let nextClientNumber = 0;

/** Process-unique client ids; the pid keeps them distinct across the nodes of a cluster on one host. */
export function newClientId(prefix: string): string {
  return clientIdOf(prefix, newClientNumber());
}

/** A number to make the id from later (a connection that holds a number, not a string, is smaller). */
export function newClientNumber(): number {
  return ++nextClientNumber;
}

export function clientIdOf(prefix: string, number: number): string {
  return `${prefix}-${process.pid}-${number}`;
}
