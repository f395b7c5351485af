import { AuthFailureReason } from './graph-errors';

interface AadstsEntry {
  readonly reason: AuthFailureReason;
  readonly message: string;
}

/**
 * Entra ID error codes seen during onboarding and token acquisition, mapped to what an
 * administrator has to fix. Codes from Microsoft's AADSTS error reference.
 */
export const AADSTS_CODES: Readonly<Record<string, AadstsEntry>> = {
  '90002': { reason: 'tenant_not_found', message: 'The tenant was not found: check the tenant id or domain, and the cloud (a US Government or China tenant is not in the global cloud).' },
  '900023': { reason: 'tenant_not_found', message: 'The tenant identifier is not a valid tenant id or domain name.' },
  '90013': { reason: 'tenant_not_found', message: 'The tenant identifier is invalid.' },
  '50128': { reason: 'tenant_not_found', message: 'The tenant domain name is invalid or unknown.' },
  '50059': { reason: 'tenant_not_found', message: 'No tenant-identifying information was found in the request.' },
  '700016': { reason: 'client_not_found', message: 'The application (client id) is not known in this tenant: check the client id, the tenant, and that admin consent was given in this tenant.' },
  '7000215': { reason: 'secret_invalid', message: 'The client secret is wrong: use the secret value (not the secret id) of this application.' },
  '7000222': { reason: 'secret_expired', message: 'The client secret has expired: create a new secret for the application.' },
  '700027': { reason: 'certificate_invalid', message: 'The certificate is not accepted: it is not registered on the application, does not match the private key, or has expired.' },
  '700024': { reason: 'assertion_invalid', message: 'The client assertion is outside its valid time range: check the clock of this machine.' },
  '700023': { reason: 'assertion_invalid', message: 'The client assertion audience is invalid (wrong tenant or cloud).' },
  '50012': { reason: 'assertion_invalid', message: 'The client assertion or secret failed validation.' },
  '7000274': { reason: 'certificate_expired', message: 'The certificate used to sign the client assertion has expired: register a new certificate.' },
  '7000229': { reason: 'consent_missing', message: 'The application has no service principal in this tenant: an administrator must consent to it first.' },
  '700021': { reason: 'assertion_invalid', message: 'The client assertion was issued for another application id.' },
  '7000218': { reason: 'secret_invalid', message: 'Neither a client secret nor a client assertion was sent.' },
  '65001': { reason: 'consent_missing', message: 'Admin consent has not been granted for the requested permissions.' },
  '7000112': { reason: 'application_disabled', message: 'The application is disabled in this tenant.' },
  '7000114': { reason: 'application_disabled', message: 'The application is not allowed to make application-only calls.' },
  '500011': { reason: 'resource_not_found', message: 'Microsoft Graph is not available in this tenant for the requested scope: check the cloud and the scope.' },
  '500014': { reason: 'resource_not_found', message: 'The Microsoft Graph service principal is disabled in this tenant.' },
  '50076': { reason: 'user_action_required', message: 'Multi-factor authentication is required for this sign-in.' },
  '50079': { reason: 'user_action_required', message: 'The user must enrol in multi-factor authentication.' },
  '53003': { reason: 'user_action_required', message: 'Access was blocked by a Conditional Access policy.' },
  '50126': { reason: 'user_action_required', message: 'Invalid user name or password.' },
  '50034': { reason: 'user_action_required', message: 'The user account does not exist in this tenant.' },
  '50020': { reason: 'user_action_required', message: 'The signed-in user is not from this tenant.' },
  '70016': { reason: 'user_action_required', message: 'The device code sign-in is still pending.' },
  '70019': { reason: 'device_code_expired', message: 'The device code expired before the sign-in was completed: start again.' },
  '70020': { reason: 'device_code_expired', message: 'The device code expired before the sign-in was completed: start again.' },
  '70000': { reason: 'device_code_declined', message: 'The grant was refused or is invalid.' },
};

const OAUTH_ERRORS: Readonly<Record<string, AadstsEntry>> = {
  authorization_declined: { reason: 'device_code_declined', message: 'The user declined the device code sign-in.' },
  expired_token: { reason: 'device_code_expired', message: 'The device code expired before the sign-in was completed: start again.' },
  bad_verification_code: { reason: 'device_code_declined', message: 'The device code was not recognised.' },
  invalid_client: { reason: 'secret_invalid', message: 'The client credentials were rejected.' },
  unauthorized_client: { reason: 'client_not_found', message: 'The application is not authorised in this tenant.' },
};

/** The first `AADSTSnnnn` code in a text, without the prefix. */
export function extractAadsts(text: string): string | undefined {
  return /AADSTS(\d{5,8})/.exec(text)?.[1];
}

export function describeAadsts(code: string | undefined, oauthError?: string, text = ''): AadstsEntry {
  if (code && AADSTS_CODES[code]) {
    const entry = AADSTS_CODES[code];
    // 700027 covers both a wrong and an expired certificate; the description tells them apart.
    if (code === '700027' && /expired/i.test(text)) return AADSTS_CODES['7000274'];
    return entry;
  }
  if (oauthError && OAUTH_ERRORS[oauthError]) return OAUTH_ERRORS[oauthError];
  return { reason: 'unknown', message: code ? `Sign-in failed with AADSTS${code}.` : 'Sign-in failed.' };
}
