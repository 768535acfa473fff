import { parseReport } from '../../../src/modules/bounces';
import { complaintReport, deliveryStatusReport } from '../../support/reports';

describe('reading delivery reports', () => {
  it('reads a permanent failure as a hard bounce of its recipient', async () => {
    const report = await parseReport(
      deliveryStatusReport({ recipient: 'Mission.FR@Delegations.example.org', status: '5.1.1', messageId: '<r1@mx.example.org>' }),
    );
    expect(report).toEqual({
      messageId: '<r1@mx.example.org>',
      verdicts: [{ kind: 'hard', recipient: 'mission.fr@delegations.example.org', status: '5.1.1' }],
    });
  });

  it('reads a temporary failure as soft, and a delay or a success as nothing', async () => {
    expect((await parseReport(deliveryStatusReport({ recipient: 'a@example.org', status: '4.2.2' }))).verdicts).toEqual([
      { kind: 'soft', recipient: 'a@example.org', status: '4.2.2' },
    ]);
    expect((await parseReport(deliveryStatusReport({ recipient: 'a@example.org', action: 'delayed', status: '4.4.7' }))).verdicts).toEqual([]);
    expect((await parseReport(deliveryStatusReport({ recipient: 'a@example.org', action: 'delivered', status: '2.0.0' }))).verdicts).toEqual([]);
  });

  it('reads an abuse report as a complaint', async () => {
    expect((await parseReport(complaintReport('someone@example.net'))).verdicts).toEqual([
      { kind: 'complaint', recipient: 'someone@example.net', status: null },
    ]);
  });

  it('finds nothing in an ordinary message (an auto-reply, a person answering)', async () => {
    const reply = Buffer.from('From: someone@example.org\r\nSubject: Out of office\r\n\r\nAction: failed\r\nStatus: 5.1.1\r\n');
    expect((await parseReport(reply)).verdicts).toEqual([]);
  });
});
