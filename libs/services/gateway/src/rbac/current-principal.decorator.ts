import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { HoldfastError } from '@holdfast/contracts';
import type { AccessRequest } from '../http/request-info';
import type { Principal } from './roles';

/** The authenticated caller of a route guarded by AccessGuard. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AccessRequest>().holdfastPrincipal;
  if (!principal) throw new HoldfastError('unauthenticated', 'Not signed in');
  return principal;
});
