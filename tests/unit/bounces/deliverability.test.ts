import { COMPLAINT_LIMIT_RATE, COMPLAINT_WARNING_RATE, ratesFor } from '../../../src/modules/bounces/deliverability';

const counts = (sent: number, complaints: number, hardBounces = 0) => ({ sent, complaints, hardBounces, softBounces: 0 });

describe('complaint levels', () => {
  it('warn from 0.08 % and are over the limit from 0.1 % (Gmail and Yahoo)', () => {
    expect(COMPLAINT_WARNING_RATE).toBe(0.0008);
    expect(COMPLAINT_LIMIT_RATE).toBe(0.001);
    expect(ratesFor(counts(10_000, 7)).complaintLevel).toBe('ok'); // 0.07 %
    expect(ratesFor(counts(10_000, 8)).complaintLevel).toBe('warning'); // 0.08 %
    expect(ratesFor(counts(10_000, 9)).complaintLevel).toBe('warning'); // 0.09 %
    expect(ratesFor(counts(10_000, 10)).complaintLevel).toBe('over_limit'); // 0.1 %
    expect(ratesFor(counts(1_100, 1))).toMatchObject({ complaintLevel: 'warning', complaintRate: 1 / 1_100 });
  });

  it('give no rate when nothing was sent; complaints then are as bad as it gets', () => {
    expect(ratesFor(counts(0, 0))).toMatchObject({ bounceRate: null, complaintRate: null, complaintLevel: 'ok' });
    expect(ratesFor(counts(0, 1))).toMatchObject({ complaintRate: null, complaintLevel: 'over_limit' });
    expect(ratesFor(counts(200, 0, 3))).toMatchObject({ bounceRate: 0.015, complaintRate: 0, complaintLevel: 'ok' });
  });
});
