import type { ClusterState } from '../broker/cluster-state.js';
import type { Reader } from '../protocol/reader.js';

/** What a handler gets for one request: the body to decode and the broker it arrived at. */
export interface RequestContext {
  cluster: ClusterState;
  /** The broker that received the request (leadership and coordinator checks use it). */
  nodeId: number;
  version: number;
  reader: Reader;
  clientId: string;
  clientHost: string;
  /** An error injected with `failNext`: the handler answers with it everywhere and changes nothing. */
  forcedError: number;
}

/** One Kafka API: its key, the versions served, and a handler returning the response body. */
export interface ApiHandler {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible version (tagged fields, compact types); undefined when none is served. */
  flexibleFrom?: number;
  /** Resolves to the response body, or null when the request gets no response (acks=0 produce). */
  handle(context: RequestContext): Buffer | null | Promise<Buffer | null>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
