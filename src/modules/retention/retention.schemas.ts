import { z } from '../../platform/http/zod';

/** Neither endpoint takes parameters: anything sent is a mistake worth telling (400), not ignoring. */
export const previewQuery = z.strictObject({}).openapi('RetentionPreviewQuery');
export const runRequest = z.strictObject({}).openapi('RetentionRunRequest');

const counts = {
  unconfirmedSignatures: z
    .number()
    .int()
    .openapi({ description: 'Signatures never confirmed within UNCONFIRMED_RETENTION_DAYS (or pending on an expired campaign): deleted, counts adjusted' }),
  unconfirmedLetters: z.number().int().openapi({ description: 'Letters of those signatures, deleted with them' }),
  signatures: z.number().int().openapi({ description: 'Signatures on campaigns past their retention: anonymised, counts unchanged' }),
  letters: z.number().int().openapi({ description: 'Letters of those: paragraph removed (sent), or deleted (never sent)' }),
  discardedAttempts: z.number().int().openapi({ description: 'Signings discarded as automated whose typed name and city go' }),
};
const totals = z.object({
  ...counts,
  supportersErased: z.number().int().openapi({ description: 'People with nothing left to keep: their supporter row (address, name) goes' }),
});

export const retentionPreviewSchema = z
  .object({
    unconfirmedRetentionDays: z.number().int(),
    totals,
    campaigns: z
      .array(
        z.object({
          slug: z.string(),
          expired: z.boolean().openapi({ description: 'Closed longer than its retention' }),
          ...counts,
          supporters: z.number().int().openapi({ description: 'People whose signature on this campaign is anonymised' }),
        }),
      )
      .openapi({ description: 'Campaigns with something to do, and every expired one' }),
  })
  .openapi('RetentionPreview');

export const retentionRunSchema = z
  .object({
    run: z.string().openapi({ description: 'Id of the run, as in its audit row' }),
    counts: totals,
    campaigns: z.record(z.string(), z.object(counts).extend({ supportersErased: z.number().int() })),
  })
  .openapi('RetentionRun');
