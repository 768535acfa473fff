export { adminRouter, describeAdminApi } from './admin.routes';
export { adminActor, adminAuth, SESSION_COOKIE } from './auth';
export { audit, createAccount, type AdminPrincipal } from './admin.service';
export { ROLES, type Role } from './admin.schemas';
export { MIN_PASSWORD_LENGTH } from './passwords';
