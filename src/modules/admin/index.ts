export { adminRouter, describeAdminApi } from './admin.routes';
export { adminActor, adminAuth, SESSION_COOKIE, staffContextOf } from './auth';
export {
  auditAccess,
  auditedWrite,
  auditIn,
  staffContext,
  supporterContext,
  type Actor,
  type AuditEntry,
  type StaffUseCase,
  type UseCaseContext,
} from './use-case';
export { createAccount, resolveBearer as resolveApiToken, type AdminPrincipal } from './admin.service';
export { ROLES, TOKEN_SCOPES, type Role, type TokenScope } from './admin.schemas';
export { MIN_PASSWORD_LENGTH } from './passwords';
