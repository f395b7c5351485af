import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AUTH_RPC, AUTH_RPC_SLOW_TIMEOUT_MS, AUTH_SERVICE } from '@holdfast/contracts';
import type { MessageBus, RequestContext, Subscription } from '@holdfast/messaging';
import { getLogger, MESSAGE_BUS } from '@holdfast/service-kit';
import { AUTH_RUNTIME, type AuthRuntime } from '../auth-runtime';
import { generateSelfSignedCertificate } from '../certificates/self-signed-certificate';

/** The auth service's request/reply methods: `<ns>.rpc.auth.<method>` (the contract is in @holdfast/contracts). */
export const AUTH_METHODS = AUTH_RPC;

/** Calls that reach Entra ID (token acquisition, registrations) need a longer request timeout. */
export const AUTH_SLOW_TIMEOUT_MS = AUTH_RPC_SLOW_TIMEOUT_MS;

/** The MSP tenant of a request: the authenticated one from the bus headers wins over the payload. */
function withTenant(payload: unknown, ctx: RequestContext): unknown {
  const p = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
  return ctx.tenantId ? { ...p, tenantId: ctx.tenantId } : p;
}

@Injectable()
export class AuthBusHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = getLogger(AuthBusHandlers.name);
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(AUTH_RUNTIME) private readonly rt: AuthRuntime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { orgs, broker, onboarding } = this.rt;
    const handlers: Record<string, (payload: unknown) => Promise<unknown>> = {
      [AUTH_METHODS.addOrganization]: (p) => orgs.add(p),
      [AUTH_METHODS.listOrganizations]: (p) => orgs.list(p),
      [AUTH_METHODS.showOrganization]: (p) => orgs.show(p),
      [AUTH_METHODS.checkOrganization]: (p) => orgs.check(p),
      [AUTH_METHODS.removeOrganization]: async (p) => {
        const r = await orgs.remove(p);
        broker.forget(r.organizationId);
        return r;
      },
      [AUTH_METHODS.addApplication]: (p) => orgs.addApplication(p),
      [AUTH_METHODS.rotateCredential]: (p) => orgs.rotateCredential(p),
      [AUTH_METHODS.connection]: (p) => orgs.connection(p),
      [AUTH_METHODS.startDeviceCode]: (p) => onboarding.start(p),
      [AUTH_METHODS.startGrant]: (p) => onboarding.startGrant(p),
      [AUTH_METHODS.onboardingStatus]: async (p) => onboarding.status(p),
      [AUTH_METHODS.expiringCredentials]: async (p) => {
        const days = Number((p as { days?: unknown })?.days ?? 30);
        const tenant = (p as { tenantId?: string })?.tenantId;
        return (await orgs.expiring(Number.isFinite(days) ? days : 30)).filter((e) => !tenant || e.tenantId === tenant);
      },
      [AUTH_METHODS.generateCertificate]: async (p) => {
        const c = generateSelfSignedCertificate(p);
        // the private key leaves only inside the password-protected PFX, once
        return { pfxBase64: c.pfxBase64, password: c.password, certificatePem: c.certificatePem, thumbprint: c.thumbprint, notAfter: c.notAfter };
      },
      [AUTH_METHODS.token]: (p) => broker.token(p),
    };
    for (const [method, handle] of Object.entries(handlers)) {
      this.subscriptions.push(await this.bus.respond(AUTH_SERVICE, method, (payload, ctx) => handle(withTenant(payload, ctx))));
    }
    this.log.info({ methods: Object.keys(handlers).length }, 'auth request handlers ready');
  }

  async onApplicationShutdown(): Promise<void> {
    while (this.subscriptions.length) await this.subscriptions.pop()!.close().catch(() => undefined);
  }
}
