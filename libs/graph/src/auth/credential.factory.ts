import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { ClientCertificateCredential, ClientSecretCredential, DeviceCodeCredential, TokenCredential } from '@azure/identity';
import { HoldfastError } from '@holdfast/contracts';
import { Clock, systemClock } from '../clock';
import { classifyAuthError } from '../errors/classify';
import { GraphAuthError } from '../errors/graph-errors';
import { inspectCertificatePem, pfxToPem } from './certificate';
import { ResolvedCloud } from './clouds';
import { TokenProvider, credentialTokenProvider } from './token-provider';

/** What the user sees during device-code onboarding. */
export interface DeviceCodePrompt {
  readonly userCode: string;
  readonly verificationUri: string;
  readonly message: string;
}

export type CredentialConfig =
  | { readonly kind: 'client-secret'; readonly tenantId: string; readonly clientId: string; readonly clientSecret: string }
  | {
      readonly kind: 'client-certificate';
      readonly tenantId: string;
      readonly clientId: string;
      /** PEM with key and certificate, or a PFX (bytes or base64) with its password. */
      readonly certificate: { readonly pem: string; readonly keyPassword?: string } | { readonly pfx: Buffer | string; readonly password?: string };
      /** Send the x5c chain (subject-name/issuer authentication). */
      readonly sendCertificateChain?: boolean;
    }
  | {
      readonly kind: 'device-code';
      readonly tenantId: string;
      readonly clientId: string;
      readonly onDeviceCode: (prompt: DeviceCodePrompt) => void;
    };

export interface CredentialEnvironment {
  readonly cloud: ResolvedCloud;
  /** Extra trusted CA (PEM), for a simulator or a TLS-inspecting proxy; the public roots stay trusted. */
  readonly ca?: string | Buffer;
  readonly clock?: Clock;
}

/** An https agent trusting the public roots plus `ca`. */
export function httpsAgentWithCa(ca: string | Buffer | undefined, options: { keepAlive?: boolean; maxSockets?: number } = {}): HttpsAgent {
  return new HttpsAgent({
    keepAlive: options.keepAlive ?? true,
    maxSockets: options.maxSockets ?? 64,
    ...(ca ? { ca: [...rootCertificates, ca.toString()] } : {}),
  });
}

function required(value: string | undefined, name: string): string {
  if (!value || !value.trim()) throw new HoldfastError('validation_failed', `${name} is required`);
  return value.trim();
}

/**
 * An @azure/identity credential for the organization's cloud. With overridden endpoints
 * (simulator, compatible service), instance discovery is turned off so MSAL never calls the
 * real login.microsoftonline.com.
 */
export function createCredential(config: CredentialConfig, env: CredentialEnvironment): TokenCredential {
  const tenantId = required(config.tenantId, 'tenantId');
  const clientId = required(config.clientId, 'clientId');
  const common = {
    authorityHost: env.cloud.authorityHost,
    disableInstanceDiscovery: env.cloud.overridden,
    ...(env.ca ? { agent: httpsAgentWithCa(env.ca) } : {}),
  };
  switch (config.kind) {
    case 'client-secret':
      return new ClientSecretCredential(tenantId, clientId, required(config.clientSecret, 'clientSecret'), common);
    case 'client-certificate': {
      const c = config.certificate;
      const pem = 'pem' in c ? c.pem : pfxToPem(c.pfx, c.password);
      inspectCertificatePem(pem, (env.clock ?? systemClock).now());
      return new ClientCertificateCredential(
        tenantId,
        clientId,
        { certificate: pem, ...('pem' in c && c.keyPassword ? { certificatePassword: c.keyPassword } : {}) },
        { ...common, sendCertificateChain: config.sendCertificateChain ?? false },
      );
    }
    case 'device-code':
      return new DeviceCodeCredential({
        ...common,
        tenantId,
        clientId,
        userPromptCallback: (info) => config.onDeviceCode({ userCode: info.userCode, verificationUri: info.verificationUri, message: info.message }),
      });
    default: {
      const never: never = config;
      throw new HoldfastError('validation_failed', `unknown credential kind ${JSON.stringify((never as { kind?: string }).kind)}`);
    }
  }
}

/** createCredential + a caching token provider for the cloud's `.default` Graph scope. */
export function createTokenProvider(config: CredentialConfig, env: CredentialEnvironment): TokenProvider {
  const inner = credentialTokenProvider(createCredential(config, env), env.cloud.scope, env.clock ?? systemClock);
  return {
    async getToken(options) {
      try {
        return await inner.getToken(options);
      } catch (err) {
        // MSAL reports an unknown tenant as "endpoints_resolution_error" without the reason:
        // ask the authority ourselves, so "wrong tenant" is not mistaken for "unreachable".
        if (err instanceof GraphAuthError && err.reason === 'authority_unreachable') throw (await diagnoseAuthority(env, config.tenantId)) ?? err;
        throw err;
      }
    },
  };
}

/** The typed error the authority gives for the tenant's metadata document, if it answers one. */
export async function diagnoseAuthority(env: CredentialEnvironment, tenantId: string): Promise<GraphAuthError | undefined> {
  const url = `${env.cloud.authorityHost}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`;
  return new Promise((resolve) => {
    const req = httpsRequest(url, { method: 'GET', agent: httpsAgentWithCa(env.ca, { keepAlive: false }), timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c.length < 65_536 ? c : ''));
      res.on('end', () => {
        if ((res.statusCode ?? 0) < 400) return resolve(undefined);
        let body: { error?: string; error_description?: string } = {};
        try {
          body = JSON.parse(text);
        } catch {
          return resolve(undefined);
        }
        const classified = classifyAuthError(Object.assign(new Error(body.error_description ?? ''), { errorResponse: { error: body.error, errorDescription: body.error_description } }));
        resolve(classified instanceof GraphAuthError && classified.reason !== 'unknown' ? classified : undefined);
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
