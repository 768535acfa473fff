/**
 * The one error type domain code throws. Services name what went wrong with a code; only the
 * HTTP error middleware turns codes into statuses (see `problem.ts`).
 */
export const errorCodes = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  malformed_body: { status: 400, title: 'The request body could not be read' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  not_found: { status: 404, title: 'Not found' },
  campaign_not_found: { status: 404, title: 'Campaign not found' },
  campaign_not_open: { status: 409, title: 'This campaign is not accepting signatures' },
  unknown_consent_wording: { status: 422, title: 'Unknown consent wording' },
  token_invalid: { status: 400, title: 'This link is not valid' },
  token_expired: { status: 410, title: 'This link has expired' },
  rate_limited: { status: 429, title: 'Too many requests' },
  proof_of_work_failed: { status: 400, title: 'The anti-bot check did not pass' },
  unauthorised: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  csv_invalid: { status: 422, title: 'The CSV file has errors' },
  template_invalid: { status: 422, title: 'The template has errors' },
  target_not_found: { status: 404, title: 'Delegation not found' },
  letter_not_found: { status: 404, title: 'Letter not found' },
  no_targets: { status: 422, title: 'No delegation matches' },
  conflict: { status: 409, title: 'Conflict' },
  /** Stored data that does not open for its row (copied from another row, or tampered with): not the caller's doing, but no 500 either. */
  sealed_data_refused: { status: 409, title: 'This record cannot be read' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  not_ready: { status: 503, title: 'Not ready' },
  unavailable: { status: 503, title: 'Temporarily unavailable' },
  internal: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCodes;

export interface FieldError {
  /** JSON-pointer-like path of the field, e.g. `consent.wording`. */
  field: string;
  message: string;
  /** For errors in an uploaded file (a CSV import): the line, as an editor numbers it (header = 1). */
  line?: number;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail ?? errorCodes[code].title);
    this.name = 'AppError';
  }
}
