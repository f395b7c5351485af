import { SetMetadata } from '@nestjs/common';
import type { Permission } from './roles';

export const PERMISSION_KEY = 'holdfast:permission';
export const PUBLIC_KEY = 'holdfast:public';
export const AUTHENTICATED_KEY = 'holdfast:authenticated';

/** The route needs this permission; with a :tenantId path parameter, also that tenant in scope. */
export const RequirePermission = (permission: Permission) => SetMetadata(PERMISSION_KEY, permission);

/** The route answers without authentication (sign-in, the API index). Use sparingly. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Any signed-in principal may call the route (its own profile, signing out). */
export const Authenticated = () => SetMetadata(AUTHENTICATED_KEY, true);

/** What a route declares, as the access guard and the route-matrix test read it. */
export type RouteAccess = { kind: 'public' } | { kind: 'authenticated' } | { kind: 'permission'; permission: Permission } | { kind: 'undeclared' };
