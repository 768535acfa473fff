// ESLint for Clarion: typescript-eslint's recommended rules, a few type-aware rules that catch
// real bugs in a server (promises nobody awaits or that Express cannot await), and the module
// graph (README "How it is built"): each module is reached through its index.ts only, and a module
// imports only modules below it. Formatting is Prettier's (eslint-config-prettier turns off the
// rules that would fight it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * The floors of the house, lowest first. A module may import a module on a lower floor, never one
 * on its own floor or above; platform/ (below them all) imports no module.
 */
const FLOORS = [
  ['admin'],
  ['campaigns'],
  ['supporters', 'transparency'],
  ['letters', 'metrics', 'erasure'],
  ['mailings', 'retention'],
  // Above mailings: a later bounce or complaint of an update moves its recipient (markRecipientBounced).
  // Webhooks read what every module below records (domain events, platform/domain-events.ts); none imports it.
  ['bounces', 'webhooks'],
  ['public', 'dashboard', 'osdi'],
  ['embed'],
];
const MODULES = FLOORS.flat();
const floorOf = (name) => FLOORS.findIndex((floor) => floor.includes(name));
const anyDepth = '^(\\.\\./)+';

/** Rooms inside a module, lowest first, kept like floors: through their faces, and only downwards. */
const ROOMS = {
  letters: [['targets', 'templates'], ['delivery'], ['step']],
};

/** Patterns of one graph: `names` on `floors`, seen from `name`; `prefix` is how an import climbs to them. */
function graphPatterns(name, floors, prefix, what, whats) {
  const all = floors.flat();
  const floor = (n) => floors.findIndex((f) => f.includes(n));
  const others = all.filter((other) => other !== name);
  const notBelow = others.filter((other) => floor(other) >= floor(name));
  const patterns = [{ regex: `${prefix}(${others.join('|')})/.+`, message: `Import another ${what} through its face (index.ts), never one of its files.` }];
  if (notBelow.length > 0) {
    patterns.push({
      regex: `${prefix}(${notBelow.join('|')})(/.*)?$`,
      message: `${name} may import only ${whats} on a lower floor (eslint.config.mjs): this one is on its floor or above.`,
    });
  }
  return patterns;
}

function roomsOf(module) {
  const floors = ROOMS[module] ?? [];
  return floors.flat().map((room) => ({
    files: [`src/modules/${module}/${room}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...moduleGraph(module).rules['no-restricted-imports'][1].patterns,
            ...graphPatterns(room, floors, '^\\.\\./', `room of ${module}`, `rooms of ${module}`),
          ],
        },
      ],
    },
  }));
}

/** Rules for the files of one module: other modules only through their face, and only downwards. */
function moduleGraph(name) {
  const others = MODULES.filter((other) => other !== name);
  const notBelow = others.filter((other) => floorOf(other) >= floorOf(name));
  const patterns = [
    {
      regex: `${anyDepth}(${others.join('|')})/.+`,
      message: 'Import another module through its face (index.ts): `../<module>`, never one of its files.',
    },
  ];
  if (notBelow.length > 0) {
    patterns.push({
      regex: `${anyDepth}(${notBelow.join('|')})(/.*)?$`,
      message: `${name} may import only modules on a lower floor (eslint.config.mjs FLOORS): this one is on its floor or above.`,
    });
  }
  return {
    files: [`src/modules/${name}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'src/generated/**',
      'coverage/**',
      '**/static/**',
      'bench/**',
      'chaos/**',
      'scripts/**',
      '*.config.*',
      'prisma.config.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      // Refusing control characters in input is the point of those patterns.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  ...MODULES.map(moduleGraph),
  ...MODULES.flatMap(roomsOf),
  {
    files: ['src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: `${anyDepth}modules(/.*)?$`, message: 'platform/ is the ground floor: it imports no module.' }] },
      ],
    },
  },
  {
    // The processes, workers and commands stand above every module: they use modules' faces only.
    files: ['src/*.ts', 'src/cli/**/*.ts', 'workers/**/*.ts', 'prisma/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: `${anyDepth}(src/)?modules/[^/]+/.+`, message: 'Import a module through its face (index.ts), never one of its files.' }] },
      ],
    },
  },
  {
    // Tests may reach into a module's files (to set up or inspect what its face does not offer).
    files: ['tests/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
