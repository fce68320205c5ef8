/**
 * Prometheus metrics, served on the admin port. One registry per process; in cluster mode the
 * primary aggregates the workers' registries (prom-client's AggregatorRegistry).
 */
import client from 'prom-client';
import type { RequestOutcome } from '../transport/handle-request.js';

export class Metrics {
  readonly registry = new client.Registry();
  private readonly requests = new client.Counter({
    name: 'rivta_requests_total',
    help: 'SOAP requests by contract and outcome',
    labelNames: ['contract', 'outcome', 'fault_code', 'result_code'] as const,
    registers: [this.registry],
  });
  private readonly faults = new client.Counter({
    name: 'rivta_faults_total',
    help: 'SOAP faults by contract and RP code',
    labelNames: ['contract', 'fault_code'] as const,
    registers: [this.registry],
  });
  private readonly latency = new client.Histogram({
    name: 'rivta_request_duration_seconds',
    help: 'Time from request start to response end, per contract',
    labelNames: ['contract'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  private readonly tlsRefusals = new client.Counter({
    name: 'rivta_tls_refusals_total',
    help: 'TLS handshakes refused (missing, expired, untrusted or revoked client certificate)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  /**
   * The audit chain head this process last published (one series; see docs/audit.md). Labelled with the
   * hash so that a scraper's history keeps copies of the head outside the database. `max` in cluster
   * aggregation: workers that see the same head give one series with value 1.
   */
  private readonly auditHead = new client.Gauge({
    name: 'audit_chain_head_info',
    help: 'The audit chain head last published by this process (seq, hash, key id); value always 1',
    labelNames: ['seq', 'hash', 'key_id'] as const,
    aggregator: 'max',
    registers: [this.registry],
  });

  private readonly connectionDrops = new client.Counter({
    name: 'rivta_connections_dropped_total',
    help: 'Connections closed by the handshake deadline or to make room under a connection cap',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
  }

  recordRequest(o: RequestOutcome): void {
    const contract = o.contract || 'unknown';
    this.requests.inc({ contract, outcome: o.outcome, fault_code: o.faultCode ?? '', result_code: o.resultCode ?? '' });
    if (o.faultCode) this.faults.inc({ contract, fault_code: o.faultCode });
    this.latency.observe({ contract }, o.durationMs / 1000);
  }

  recordTlsRefusal(reason: string): void {
    this.tlsRefusals.inc({ reason });
  }

  recordAuditHead(head: { readonly seq: number; readonly hash: string; readonly keyId: string | null }): void {
    this.auditHead.reset();
    this.auditHead.set({ seq: String(head.seq), hash: head.hash, key_id: head.keyId ?? '' }, 1);
  }

  /** reason: handshake_timeout, pending_evicted, idle_evicted or refused_full (see src/transport/connection-guard.ts). */
  recordConnectionDrop(reason: string): void {
    this.connectionDrops.inc({ reason });
  }
}
