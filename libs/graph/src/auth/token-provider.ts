import type { TokenCredential } from '@azure/identity';
import { Clock, systemClock } from '../clock';
import { classifyAuthError } from '../errors/classify';
import { GraphAuthError } from '../errors/graph-errors';

export interface GraphAccessToken {
  readonly token: string;
  /** Epoch milliseconds. */
  readonly expiresOnTimestamp: number;
}

export interface TokenRequestOptions {
  readonly signal?: AbortSignal;
  /** Graph refused the last token (401): get a new one, skipping any cache. */
  readonly forceRefresh?: boolean;
}

/**
 * Where a Graph client gets its bearer tokens. Either from credentials held in the process
 * (`credentialTokenProvider`) or from the auth service's token broker over request/reply
 * (`brokerTokenProvider`), so the other services never hold secrets.
 */
export interface TokenProvider {
  getToken(options?: TokenRequestOptions): Promise<GraphAccessToken>;
}

/** Renew this long before expiry so no request leaves with a token about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Caches one token, renews it ahead of expiry, and lets concurrent callers share a single
 * renewal. Errors become typed GraphAuthErrors.
 */
export class CachingTokenProvider implements TokenProvider {
  private cached?: GraphAccessToken;
  private inflight?: Promise<GraphAccessToken>;

  constructor(
    private readonly fetchToken: (options: TokenRequestOptions) => Promise<GraphAccessToken>,
    private readonly clock: Clock = systemClock,
  ) {}

  async getToken(options: TokenRequestOptions = {}): Promise<GraphAccessToken> {
    if (!options.forceRefresh && this.cached && this.cached.expiresOnTimestamp - REFRESH_MARGIN_MS > this.clock.now()) return this.cached;
    if (options.forceRefresh) this.cached = undefined;
    if (!this.inflight) {
      this.inflight = this.fetchToken(options)
        .then((t) => {
          this.cached = t;
          return t;
        })
        .catch((err) => {
          throw classifyAuthError(err);
        })
        .finally(() => {
          this.inflight = undefined;
        });
    }
    return this.inflight;
  }
}

/** Tokens for `scope` from an @azure/identity credential (secret, certificate, device code). */
export function credentialTokenProvider(credential: TokenCredential, scope: string, clock: Clock = systemClock): TokenProvider {
  return new CachingTokenProvider(async (options) => {
    const token = await credential.getToken(scope, { abortSignal: options.signal });
    if (!token) throw new GraphAuthError('The identity platform returned no token.', 'unknown');
    return { token: token.token, expiresOnTimestamp: token.expiresOnTimestamp };
  }, clock);
}

/** What the auth service's token broker is asked for. */
export interface TokenBrokerRequest {
  readonly tenantId: string;
  readonly appId: string;
  readonly scope: string;
  readonly forceRefresh: boolean;
}

/** What it answers: the token and its expiry as an ISO string (or epoch ms). */
export interface TokenBrokerReply {
  readonly accessToken: string;
  readonly expiresOn: string | number;
}

/**
 * Tokens from the auth service over request/reply: the caller passes the function that sends
 * the request (a NATS request, or a direct call in all-in-one mode).
 */
export function brokerTokenProvider(
  ask: (request: TokenBrokerRequest) => Promise<TokenBrokerReply>,
  target: Omit<TokenBrokerRequest, 'forceRefresh'>,
  clock: Clock = systemClock,
): TokenProvider {
  return new CachingTokenProvider(async (options) => {
    const reply = await ask({ ...target, forceRefresh: options.forceRefresh ?? false });
    const expires = typeof reply.expiresOn === 'number' ? reply.expiresOn : Date.parse(reply.expiresOn);
    if (!reply.accessToken || Number.isNaN(expires)) throw new GraphAuthError('The token broker answered without a usable token.', 'unknown');
    return { token: reply.accessToken, expiresOnTimestamp: expires };
  }, clock);
}

/** A fixed token (tests, one-off scripts). */
export function staticTokenProvider(token: string, expiresOnTimestamp = Number.MAX_SAFE_INTEGER): TokenProvider {
  return { getToken: async () => ({ token, expiresOnTimestamp }) };
}
