import { HoldfastError } from '@holdfast/contracts';

/** The Microsoft clouds Holdfast can protect. GCC uses the global endpoints. */
export type CloudName = 'global' | 'usgov' | 'usgovdod' | 'china';

export interface CloudEndpoints {
  readonly name: CloudName;
  /** Entra ID authority host, `https://...` without a trailing slash. */
  readonly authorityHost: string;
  /** Graph service root, `https://...` without a trailing slash and without the API version. */
  readonly graphEndpoint: string;
}

/** Authority host and Graph endpoint of each national cloud (graph-facts.md). */
export const CLOUDS: Readonly<Record<CloudName, CloudEndpoints>> = Object.freeze({
  global: { name: 'global', authorityHost: 'https://login.microsoftonline.com', graphEndpoint: 'https://graph.microsoft.com' },
  usgov: { name: 'usgov', authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://graph.microsoft.us' },
  usgovdod: { name: 'usgovdod', authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://dod-graph.microsoft.us' },
  china: { name: 'china', authorityHost: 'https://login.chinacloudapi.cn', graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn' },
});

export const GRAPH_API_VERSION = 'v1.0';

/** Lets an organization point at the simulator or any compatible endpoint. */
export interface CloudOverrides {
  readonly authorityHost?: string;
  readonly graphEndpoint?: string;
  /** The token scope, when the endpoint wants another than `<graphEndpoint>/.default`. */
  readonly scope?: string;
}

export interface ResolvedCloud extends CloudEndpoints {
  /** True when an override replaced a Microsoft endpoint (instance discovery must then be off). */
  readonly overridden: boolean;
  /** `<graph endpoint>/.default`, the client-credentials scope. */
  readonly scope: string;
  /** `<graph endpoint>/v1.0`, the base every relative Graph path is resolved against. */
  readonly graphBaseUrl: string;
}

function normalizeHttpsBase(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HoldfastError('validation_failed', `${what} is not a valid URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'https:') {
    throw new HoldfastError('validation_failed', `${what} must use https (the identity libraries refuse anything else): ${value}`);
  }
  if (url.search || url.hash) throw new HoldfastError('validation_failed', `${what} must not carry a query or fragment: ${value}`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function isCloudName(value: string): value is CloudName {
  return Object.prototype.hasOwnProperty.call(CLOUDS, value);
}

/** The endpoints to use for an organization: its cloud, with any overrides applied. */
export function resolveCloud(cloud: CloudName | string = 'global', overrides: CloudOverrides = {}): ResolvedCloud {
  if (!isCloudName(cloud)) {
    throw new HoldfastError('validation_failed', `unknown cloud ${JSON.stringify(cloud)}; expected one of ${Object.keys(CLOUDS).join(', ')}`);
  }
  const base = CLOUDS[cloud];
  const authorityHost = overrides.authorityHost ? normalizeHttpsBase(overrides.authorityHost, 'authorityHost') : base.authorityHost;
  const graphEndpoint = overrides.graphEndpoint ? normalizeHttpsBase(overrides.graphEndpoint, 'graphEndpoint') : base.graphEndpoint;
  // A graph endpoint given with the version already on it (".../v1.0") is accepted as is.
  const root = graphEndpoint.replace(/\/v1\.0$/, '');
  // The cloud's own Graph host on another port (a proxy, the simulator on cloud host names)
  // still issues tokens for the canonical resource.
  const sameHost = new URL(root).hostname === new URL(base.graphEndpoint).hostname;
  return {
    name: base.name,
    authorityHost,
    graphEndpoint: root,
    overridden: authorityHost !== base.authorityHost || root !== base.graphEndpoint,
    scope: overrides.scope ?? (sameHost ? `${base.graphEndpoint}/.default` : `${root}/.default`),
    graphBaseUrl: `${root}/${GRAPH_API_VERSION}`,
  };
}
