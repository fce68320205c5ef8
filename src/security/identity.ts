/**
 * Who is calling (docs/design.md#who-is-calling). The TLS peer is the HSA-id in the client certificate's subject
 * serialNumber (OID 2.5.4.5), exactly as SKLTP VP identifies senders. A trusted routing node may name
 * the original consumer in `x-rivta-original-serviceconsumer-hsaid`; from any other peer that header
 * is ignored (with a warning). The effective consumer is what TAK, categories and audit use.
 */
import type { TLSSocket } from 'node:tls';
import type { Tak } from './tak.js';

export const ORIGINAL_CONSUMER_HEADER = 'x-rivta-original-serviceconsumer-hsaid';

/** A usable HSA-id: printable ASCII without spaces, 1–64 characters. */
const HSA_ID_RE = /^[\x21-\x7e]{1,64}$/;

function isUsableHsaId(s: string | undefined): s is string {
  return typeof s === 'string' && HSA_ID_RE.test(s);
}

/** Peer HSA-ids are cached per TLS socket: a keep-alive connection pays for the lookup once. */
const peerCache = new WeakMap<TLSSocket, string | null>();

/** The peer's HSA-id, or undefined when the certificate has no usable subject serialNumber. */
export function peerHsaId(socket: TLSSocket): string | undefined {
  const cached = peerCache.get(socket);
  if (cached !== undefined) return cached ?? undefined;
  let id: string | null = null;
  if (typeof socket.getPeerCertificate === 'function') {
    const cert = socket.getPeerCertificate(false);
    const sn: unknown = cert?.subject ? (cert.subject as unknown as Record<string, unknown>).serialNumber : undefined;
    const value = Array.isArray(sn) ? (sn.length === 1 ? sn[0] : undefined) : sn;
    if (typeof value === 'string' && isUsableHsaId(value.trim())) id = value.trim();
  }
  peerCache.set(socket, id);
  return id ?? undefined;
}

export interface EffectiveConsumer {
  readonly peerHsaId: string;
  /** The effective consumer: the original consumer behind a trusted routing node, else the peer. */
  readonly consumerHsaId: string;
  readonly viaRoutingNode: boolean;
  /** Set when the header was present but ignored (non-routing peer, or an unusable value). */
  readonly ignoredHeader: 'not-a-routing-node' | 'unusable-value' | undefined;
}

export function effectiveConsumer(peer: string, originalHeader: string | string[] | undefined, tak: Tak): EffectiveConsumer {
  const header = Array.isArray(originalHeader) ? originalHeader[0] : originalHeader;
  const value = header?.trim();
  if (!value) return { peerHsaId: peer, consumerHsaId: peer, viaRoutingNode: false, ignoredHeader: undefined };
  if (!tak.isRoutingNode(peer)) {
    return { peerHsaId: peer, consumerHsaId: peer, viaRoutingNode: false, ignoredHeader: 'not-a-routing-node' };
  }
  if (!isUsableHsaId(value)) {
    return { peerHsaId: peer, consumerHsaId: peer, viaRoutingNode: false, ignoredHeader: 'unusable-value' };
  }
  return { peerHsaId: peer, consumerHsaId: value, viaRoutingNode: true, ignoredHeader: undefined };
}
