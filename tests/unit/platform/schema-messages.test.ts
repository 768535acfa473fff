import fs from 'node:fs';
import path from 'node:path';
import { msg, textOfMessage } from '../../../src/platform/schema-messages';
import { translator } from '../../../src/platform/i18n';

const SRC = path.join(__dirname, '../../../src');

/** Schemas only staff reach: admin routes answer in English (problem-i18n.ts), so their messages may be written in English. */
const ENGLISH_ONLY = new Set(
  [
    'modules/admin/admin.schemas.ts',
    'modules/campaigns/campaigns.admin.schemas.ts',
    'modules/letters/targets/targets.schemas.ts',
    'modules/letters/templates/templates.schemas.ts',
    'modules/mailings/mailings.schemas.ts',
    'modules/metrics/metrics.schemas.ts',
    'modules/retention/retention.schemas.ts',
    'modules/webhooks/webhooks.schemas.ts',
  ].map((file) => path.join(SRC, file)),
);

function supporterFacingSchemaFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'generated') walk(full);
      else if (/\.schemas\.ts$|osdi\.query\.ts$/.test(entry.name) || (dir.endsWith(path.join('platform', 'http')) && entry.name.endsWith('.ts')))
        files.push(full);
    }
  };
  walk(SRC);
  return files.filter((file) => !ENGLISH_ONLY.has(file));
}

/** English typed into a schema: `message: '…'`, `error: '…'`, or a last argument such as `.max(100, 'must be …')`. */
const ENGLISH_MESSAGE = [
  /\b(?:message|error):\s*['`][a-z]/,
  /\.(?:min|max|length|regex|refine|int|nonempty|gt|gte|lt|lte|startsWith|endsWith|includes)\(.*,\s*['`][a-z][^'`\n]*\s/,
];

describe('schema messages', () => {
  it('makes the English from the catalogue and gives back the key and parameters behind it', () => {
    const english = msg('problems.message.maxChars', { max: 100 });
    expect(english).toBe(translator('en')('problems.message.maxChars', { max: 100 }));
    expect(textOfMessage(english)).toEqual({ key: 'problems.message.maxChars', params: { max: 100 } });
    expect(textOfMessage('must be at most 100 characters, said by hand')).toBeUndefined();
  });

  it('finds no English typed into a schema a supporter or an OSDI client can reach', () => {
    const files = supporterFacingSchemaFiles();
    expect(files.map((file) => path.relative(SRC, file))).toEqual(
      expect.arrayContaining(['modules/supporters/supporters.schemas.ts', 'platform/http/params.ts']),
    );
    const typed = files.flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ where: `${path.relative(SRC, file)}:${i + 1}`, line: line.trim() }))
        .filter(({ line }) => !line.startsWith('*') && !line.startsWith('//') && ENGLISH_MESSAGE.some((pattern) => pattern.test(line))),
    );
    expect(typed).toEqual([]);
  });
});
