import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { HoldfastError } from '@holdfast/contracts';
import type { Response } from 'express';
import { clientIp, isHttps, userAgentOf, type AccessRequest } from '../http/request-info';
import { AuditAction } from '../audit/audit-action.decorator';
import { Authenticated, Public } from '../rbac/permissions.decorator';
import { CurrentPrincipal } from '../rbac/current-principal.decorator';
import { ROLE_PERMISSIONS, type Principal } from '../rbac/roles';
import { AuthService } from './auth.service';
import { SECURE_SESSION_COOKIE, SESSION_COOKIE, sessionIdOf } from './authenticator.service';
import { SESSION_ABSOLUTE_HOURS } from './session.repository';
import { toUserView, UserRepository } from './user.repository';

class LoginDto {
  @ApiProperty({ example: 'admin@msp.example' }) email!: string;
  @ApiProperty() password!: string;
  @ApiPropertyOptional({ description: 'The 6 digits of the authenticator app, when two-factor authentication is on' }) totpCode?: string;
  @ApiPropertyOptional({ description: 'A one-time recovery code instead of totpCode' }) recoveryCode?: string;
}

class TotpCodeDto {
  @ApiProperty({ example: '123456' }) code!: string;
}

class PasswordChangeDto {
  @ApiProperty() currentPassword!: string;
  @ApiProperty({ description: 'At least 12 characters' }) newPassword!: string;
}

function setSessionCookie(req: AccessRequest, res: Response, sessionId: string): void {
  const secure = isHttps(req);
  res.cookie(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, sessionId, {
    httpOnly: true,
    secure,
    sameSite: 'strict',
    path: '/',
    maxAge: SESSION_ABSOLUTE_HOURS * 3600 * 1000,
  });
}

function clearSessionCookies(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { path: '/' });
  res.clearCookie(SECURE_SESSION_COOKIE, { path: '/', secure: true });
}

/** Portal sign-in with a session cookie, the second factor, and the caller's own profile. */
@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UserRepository,
  ) {}

  @Post('login')
  @HttpCode(200)
  @Public()
  @AuditAction('auth.login')
  @ApiOperation({ summary: 'Sign in: sets an HttpOnly session cookie and returns the CSRF token for writes' })
  @ApiBody({ type: LoginDto })
  async login(@Body() body: LoginDto, @Req() req: AccessRequest, @Res({ passthrough: true }) res: Response) {
    req.auditActorName = typeof body?.email === 'string' ? body.email.slice(0, 200) : 'anonymous';
    const result = await this.auth.login({
      email: body?.email,
      password: body?.password,
      totpCode: body?.totpCode,
      recoveryCode: body?.recoveryCode,
      ip: clientIp(req),
      userAgent: userAgentOf(req),
    });
    req.auditTarget = `user:${result.user.id}`;
    setSessionCookie(req, res, result.sessionId);
    res.setHeader('cache-control', 'no-store');
    return { user: result.user, csrfToken: result.csrfToken, permissions: ROLE_PERMISSIONS[result.user.role] };
  }

  @Post('logout')
  @HttpCode(204)
  @Authenticated()
  @AuditAction('auth.logout')
  @ApiOperation({ summary: 'Sign out: ends the server-side session' })
  async logout(@Req() req: AccessRequest, @Res({ passthrough: true }) res: Response): Promise<void> {
    const sid = sessionIdOf(req);
    if (sid) await this.auth.logout(sid);
    clearSessionCookies(res);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'Who is signed in, with role, permissions, tenants and the CSRF token' })
  async me(@CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: Response) {
    res.setHeader('cache-control', 'no-store');
    const user = p.userId ? await this.users.findById(p.userId) : undefined;
    return {
      user: user ? toUserView(user) : null,
      actor: p.displayName,
      kind: p.kind,
      role: p.role,
      tenantId: p.tenantId,
      scope: p.scope,
      permissions: ROLE_PERMISSIONS[p.role],
      ...(p.csrfToken ? { csrfToken: p.csrfToken } : {}),
    };
  }

  @Post('totp/enrol')
  @HttpCode(200)
  @Authenticated()
  @AuditAction('auth.totp.enrol')
  @ApiOperation({ summary: 'Start two-factor enrolment: returns the secret and otpauth:// URI once' })
  async enrol(@CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: Response) {
    res.setHeader('cache-control', 'no-store');
    return this.auth.beginTotp(this.sessionUser(p));
  }

  @Post('totp/confirm')
  @HttpCode(200)
  @Authenticated()
  @AuditAction('auth.totp.enable')
  @ApiOperation({ summary: 'Finish enrolment with a current code: turns TOTP on and returns recovery codes once' })
  @ApiBody({ type: TotpCodeDto })
  async confirm(@CurrentPrincipal() p: Principal, @Body() body: TotpCodeDto, @Res({ passthrough: true }) res: Response) {
    res.setHeader('cache-control', 'no-store');
    return this.auth.confirmTotp(this.sessionUser(p), body?.code);
  }

  @Post('password')
  @HttpCode(204)
  @Authenticated()
  @AuditAction('auth.password.change')
  @ApiOperation({ summary: 'Change the own password; ends the other sessions' })
  @ApiBody({ type: PasswordChangeDto })
  async password(@CurrentPrincipal() p: Principal, @Body() body: PasswordChangeDto, @Req() req: AccessRequest): Promise<void> {
    await this.auth.changePassword(this.sessionUser(p), body?.currentPassword, body?.newPassword, sessionIdOf(req));
  }

  private sessionUser(p: Principal): string {
    if (p.kind !== 'session' || !p.userId) throw new HoldfastError('forbidden', 'Only a signed-in user can do this (not an API token)');
    return p.userId;
  }
}
