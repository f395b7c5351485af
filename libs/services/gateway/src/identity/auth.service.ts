import { Injectable } from '@nestjs/common';
import { HoldfastError } from '@holdfast/contracts';
import { getLogger } from '@holdfast/service-kit';
import { LoginThrottleRepository } from './login-throttle.repository';
import { hashPassword, passwordProblem, verifyPassword } from './password-hasher';
import { csrfTokenOf, generateRecoveryCodes, generateSessionId, normalizeRecoveryCode, sha256Hex } from './secrets';
import { SessionRepository } from './session.repository';
import { generateTotpSecret, otpauthUri, verifyTotp } from './totp';
import { toUserView, UserRepository, type UserView } from './user.repository';

export interface LoginInput {
  readonly email: string;
  readonly password: string;
  readonly totpCode?: string;
  readonly recoveryCode?: string;
  readonly ip?: string;
  readonly userAgent?: string;
}

export interface LoginResult {
  readonly user: UserView;
  /** The cookie value: returned only to be set as HttpOnly cookie, never in a body. */
  readonly sessionId: string;
  readonly csrfToken: string;
}

/** Compared against when the account does not exist, so both paths cost one scrypt. */
let dummyHash: Promise<string> | undefined;

/** Sign-in, second factor, password change: the rules, with storage behind repositories. */
@Injectable()
export class AuthService {
  private readonly log = getLogger(AuthService.name);

  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly throttle: LoginThrottleRepository,
  ) {}

  /** The clock TOTP checks use. */
  now: () => number = () => Date.now();

  async login(input: LoginInput): Promise<LoginResult> {
    const email = typeof input.email === 'string' ? input.email.trim() : '';
    if (!email || typeof input.password !== 'string' || !input.password) {
      throw new HoldfastError('validation_failed', 'Sign-in needs an email and a password');
    }
    if (await this.throttle.isThrottled(email, input.ip)) {
      throw new HoldfastError('throttled', 'Too many failed sign-ins: wait 15 minutes and try again');
    }
    const user = await this.users.findByEmail(email);
    const ok = await verifyPassword(input.password, user?.passwordHash ?? (await (dummyHash ??= hashPassword('not a real password'))));
    if (!user || !ok || user.disabled) {
      await this.throttle.record(email, input.ip, false);
      throw new HoldfastError('unauthenticated', 'Wrong email or password');
    }
    if (user.totpEnabled) {
      if (!input.totpCode && !input.recoveryCode) {
        // the password was right: asking for the second factor is not a failure
        throw new HoldfastError('unauthenticated', 'Enter the code from your authenticator app (or a recovery code)', { secondFactor: 'totp' });
      }
      if (!(await this.checkSecondFactor(user.id, user.totpSecret, input))) {
        await this.throttle.record(email, input.ip, false);
        throw new HoldfastError('unauthenticated', 'Wrong or already used authentication code', { secondFactor: 'totp' });
      }
    }
    await this.throttle.record(email, input.ip, true);
    const sessionId = generateSessionId();
    await this.sessions.create(sha256Hex(sessionId), user.id, input.ip, input.userAgent);
    this.log.info({ userId: user.id }, 'signed in');
    return { user: toUserView(user), sessionId, csrfToken: csrfTokenOf(sessionId) };
  }

  private async checkSecondFactor(userId: string, secret: string | null, input: LoginInput): Promise<boolean> {
    if (input.totpCode) {
      if (!secret) return false;
      const counter = verifyTotp(secret, String(input.totpCode).trim(), this.now());
      return counter !== undefined && (await this.users.advanceTotpCounter(userId, counter));
    }
    return this.users.useRecoveryCode(userId, sha256Hex(normalizeRecoveryCode(String(input.recoveryCode))));
  }

  async logout(sessionId: string): Promise<void> {
    await this.sessions.revoke(sha256Hex(sessionId));
  }

  /** Starts (or restarts) TOTP enrolment: the secret is shown once, enabled only after a code. */
  async beginTotp(userId: string): Promise<{ secret: string; otpauthUri: string }> {
    const user = await this.requireUser(userId);
    if (user.totpEnabled) throw new HoldfastError('conflict', 'Two-factor authentication is already on');
    const secret = generateTotpSecret();
    await this.users.storeTotpSecret(userId, secret);
    return { secret, otpauthUri: otpauthUri(secret, user.email) };
  }

  /** Turns TOTP on once the app shows a right code; returns the recovery codes, shown once. */
  async confirmTotp(userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
    const user = await this.requireUser(userId);
    if (user.totpEnabled) throw new HoldfastError('conflict', 'Two-factor authentication is already on');
    if (!user.totpSecret) throw new HoldfastError('conflict', 'Start enrolment first (POST /api/v1/auth/totp/enrol)');
    const counter = verifyTotp(user.totpSecret, String(code ?? '').trim(), this.now());
    if (counter === undefined) throw new HoldfastError('validation_failed', 'Wrong code: enter the 6 digits your authenticator app shows now');
    const recoveryCodes = generateRecoveryCodes();
    await this.users.enableTotp(userId, counter, recoveryCodes.map((c) => sha256Hex(normalizeRecoveryCode(c))));
    return { recoveryCodes };
  }

  async changePassword(userId: string, current: string, next: string, keepSessionId?: string): Promise<void> {
    const user = await this.requireUser(userId);
    if (typeof current !== 'string' || !(await verifyPassword(current, user.passwordHash))) {
      throw new HoldfastError('validation_failed', 'The current password is wrong');
    }
    const problem = passwordProblem(next);
    if (problem) throw new HoldfastError('validation_failed', `New ${problem}`);
    await this.users.setPassword(userId, await hashPassword(next));
    await this.sessions.revokeAllOf(userId, keepSessionId ? sha256Hex(keepSessionId) : undefined);
  }

  private async requireUser(userId: string) {
    const user = await this.users.findById(userId);
    if (!user) throw new HoldfastError('not_found', 'User not found');
    return user;
  }
}
