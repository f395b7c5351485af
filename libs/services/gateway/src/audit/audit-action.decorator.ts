import { SetMetadata } from '@nestjs/common';

export const AUDIT_ACTION_KEY = 'holdfast:audit-action';

/** Names the audit action of a route (`tenant.create`); reads are audited only when marked (exports). */
export const AuditAction = (action: string) => SetMetadata(AUDIT_ACTION_KEY, action);
