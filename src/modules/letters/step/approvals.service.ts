import type { Platform } from '../../../platform/context';
import { AppError } from '../../../platform/errors';
import type { UseCaseContext } from '../../admin';
import { confirmAttempt, openSealedValue } from '../../supporters';
import * as approvals from './approvals.repository';
import { enqueueDeliveries } from '../delivery';

/**
 * The approval of a letters request. Letters prepared with a signing's action token go out only
 * when the owner of the mailbox has seen them (delegations, their paragraph, the name they carry)
 * in an email sent to that mailbox, and pressed the button on the page its link opens. The link
 * names the request, does only this, and expires; approving it also confirms the signing, since
 * the same mailbox received it.
 */
export const APPROVAL_TOKEN_PURPOSE = 'approve-letters';
const APPROVAL_LINK_TTL_MS = 3 * 24 * 3600 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function approvalLink(platform: Platform, approvalId: string, locale: string, now = new Date()): string {
  const token = platform.tokens.sign(APPROVAL_TOKEN_PURPOSE, approvalId, new Date(now.getTime() + APPROVAL_LINK_TTL_MS));
  return `${platform.config.PUBLIC_BASE_URL}/letters/approve/${token}?lang=${locale}`;
}

export interface ApprovalView {
  campaign: { slug: string; title: string };
  name: string;
  paragraph: string | null;
  delegations: Array<{ iso2: string; country: string }>;
  approved: boolean;
}

/** What the link's page shows; refuses a link that is broken, expired or names nothing left. */
export async function inspectApproval(
  platform: Platform,
  token: string,
): Promise<ApprovalView & { id: string; attemptId: string; signatureId: string; campaignStatus: string }> {
  const verified = platform.tokens.verify(APPROVAL_TOKEN_PURPOSE, token);
  if (!verified.ok) {
    throw new AppError(verified.reason === 'expired' ? 'token_expired' : 'token_invalid', { key: 'problems.detail.approvalLinkInvalid' });
  }
  const approval = UUID.test(verified.payload) ? await approvals.findApproval(platform.db, verified.payload) : null;
  if (!approval?.supporter || !approval.signature || approval.signature.status === 'invalidated')
    throw new AppError('token_invalid', { key: 'problems.detail.approvalLinkNoMatch' });
  return {
    id: approval.id,
    attemptId: approval.attemptId,
    signatureId: approval.signature.id,
    campaignStatus: approval.campaign.status,
    campaign: { slug: approval.campaign.slug, title: approval.campaign.title },
    name: openSealedValue(platform, approval.supporter.name),
    paragraph: approval.paragraph ? openSealedValue(platform, approval.paragraph) : null,
    delegations: approval.letters,
    approved: approval.approvedAt !== null,
  };
}

/** Pressing the button: the request's held letters are queued (once) and the signing is confirmed. */
export async function approveLetters(ctx: UseCaseContext<Platform>, token: string): Promise<{ view: ApprovalView; released: number }> {
  const { platform } = ctx;
  const view = await inspectApproval(platform, token);
  if (view.approved) return { view, released: 0 };
  if (view.campaignStatus !== 'live') throw new AppError('campaign_not_open', { key: 'problems.detail.campaignClosedLetters' });
  const released = await platform.db.$transaction(async (tx) => {
    if (!(await approvals.markApproved(tx, view.id))) return 0;
    await confirmAttempt(tx, view.attemptId, view.signatureId);
    const queued = await approvals.releaseApproved(tx, view.id);
    await enqueueDeliveries(
      tx,
      queued.map((l) => ({ id: l.id, campaignId: l.campaign_id, targetId: l.target_id })),
    );
    return queued.length;
  });
  return { view: { ...view, approved: true }, released };
}
