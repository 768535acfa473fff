export { adminRouter, describeAdminApi } from './admin.routes';
export { adminActor, adminAuth, SESSION_COOKIE } from './auth';
export { audit, createAccount, resolveBearer as resolveApiToken, type AdminPrincipal } from './admin.service';
export { ROLES, TOKEN_SCOPES, type Role, type TokenScope } from './admin.schemas';
export { MIN_PASSWORD_LENGTH } from './passwords';
