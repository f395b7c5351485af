import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { RecordedEvent } from '@holdfast/contracts';
import { getLogger, PLATFORM, type Platform } from '@holdfast/service-kit';
import type { Subscription } from '@holdfast/messaging';

/** What a live listener receives: ids, counts and times only (events never carry secrets or bodies). */
export interface LiveEvent {
  readonly id: string;
  readonly type: string;
  readonly tenantId: string;
  readonly recordedAt: string;
  readonly data: Record<string, unknown>;
}

export type LiveListener = (event: LiveEvent) => void;

/**
 * Receives the bus's events once per gateway process (a durable consumer per host, new
 * events only) and fans them out to the SSE connections whose tenants they belong to.
 */
@Injectable()
export class LiveEventHub implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = getLogger(LiveEventHub.name);
  private readonly listeners = new Set<{ tenants: ((tenantId: string) => boolean); listener: LiveListener }>();
  private subscription: Subscription | undefined;

  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  async onApplicationBootstrap(): Promise<void> {
    const durable = `gateway-live-${hostname().replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60)}`;
    this.subscription = await this.platform.bus.bus.subscribeEvents({ durable, startFrom: 'new', maxDeliver: 1 }, async (event) => {
      this.publish(event);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close().catch((err) => this.log.warn({ err }, 'closing the live event subscription failed'));
    this.listeners.clear();
  }

  /** Delivers one recorded event to the listeners that may see its tenant. */
  publish(event: RecordedEvent): void {
    const live: LiveEvent = { id: event.eventId, type: event.type, tenantId: event.tenantId, recordedAt: event.recordedAt, data: event.data };
    for (const l of this.listeners) {
      if (l.tenants(event.tenantId)) l.listener(live);
    }
  }

  /** Adds a listener for the tenants `allows` accepts; returns the function that removes it. */
  listen(allows: (tenantId: string) => boolean, listener: LiveListener): () => void {
    const entry = { tenants: allows, listener };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
