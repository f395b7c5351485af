/** Request metrics for the control API (GET /_sim/metrics). */
export class Metrics {
  startedAt = new Date().toISOString();
  requests = 0;
  /** route name -> status -> count */
  byKind: Record<string, Record<string, number>> = {};
  byStatus: Record<string, number> = {};
  inFlight = 0;
  peakInFlight = 0;
  faults: Record<string, number> = {};
  tokensIssued = 0;

  count(kind: string, status: number): void {
    this.requests++;
    const k = (this.byKind[kind] ??= {});
    k[status] = (k[status] ?? 0) + 1;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
  }

  enter(): void {
    this.inFlight++;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
  }

  leave(): void {
    this.inFlight--;
  }

  reset(): void {
    this.startedAt = new Date().toISOString();
    this.requests = 0;
    this.byKind = {};
    this.byStatus = {};
    this.peakInFlight = this.inFlight;
    this.faults = {};
    this.tokensIssued = 0;
  }
}
