import { failureSummary } from '../../../src/platform/worker-host';

/** A failed job's log line: which error, never what it says. */
describe('failureSummary', () => {
  it('keeps the class and the code and drops the message', () => {
    const error = Object.assign(new Error('invalid input syntax for type uuid: "zhanar@example.org"'), {
      name: 'PrismaClientKnownRequestError',
      code: 'P2023',
    });
    expect(failureSummary(error)).toEqual({ type: 'PrismaClientKnownRequestError', code: 'P2023' });
    expect(JSON.stringify(failureSummary(error))).not.toContain('zhanar');
  });

  it("takes an SMTP answer's number as its code", () => {
    expect(failureSummary(Object.assign(new Error('451 try again, "Zhanar K"'), { responseCode: 451 }))).toEqual({ type: 'Error', code: 451 });
  });

  it('refuses a code that is text rather than an identifier', () => {
    expect(failureSummary(Object.assign(new Error('x'), { code: 'no such user zhanar@example.org' }))).toEqual({ type: 'Error' });
    expect(failureSummary('a thrown string')).toEqual({ type: 'string' });
  });
});
