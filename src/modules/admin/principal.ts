import type { Role, TokenScope } from './admin.schemas';

/** Who is making an admin request: an account's session, an account's API token, or the bootstrap token. */
export interface AdminPrincipal {
  via: 'session' | 'token';
  /** The bootstrap ADMIN_API_TOKEN: no account behind it; audit rows say so. */
  bootstrap?: boolean;
  /** May export supporters' personal data (see exportAllowed). */
  canExport: boolean;
  role: Role;
  accountId: string | null;
  tokenId: string | null;
  email: string | null;
  /** An API token's scopes beyond the admin API (TOKEN_SCOPES); none for sessions and the bootstrap token. */
  scopes?: readonly TokenScope[];
  csrfToken?: string;
  sessionHash?: Buffer;
}
