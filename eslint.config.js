import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// What each part of src/ may not import, by relative path (every import in src/ is relative).
// A later config block for a file replaces an earlier one's patterns, so each group repeats the
// rule for all of src/.
const IMPORT_RULES = {
  src: [
    {
      group: ['**/tools/**', '**/local/**', '**/test/**'],
      message: 'src/ is deployed: it never imports tools/, local/ or test/.',
    },
  ],
  authorizer: [
    {
      group: ['**/route-chain/**', '**/users/**'],
      message: 'Layer 1 (src/authorizer/) never imports layer 2 (src/route-chain/, src/users/).',
    },
  ],
  layer2: [
    {
      group: ['**/authorizer/**'],
      message: 'Layer 2 (src/route-chain/, src/users/) never imports layer 1 (src/authorizer/).',
    },
  ],
  issuers: [
    {
      group: ['**/authorizer/**', '**/route-chain/**', '**/users/**', '**/resource/**'],
      message:
        'src/issuers/ is what both layers apply to a token: it imports only src/shared/, never either layer.',
    },
  ],
  shared: [
    {
      group: [
        '**/authorizer/**',
        '**/route-chain/**',
        '**/users/**',
        '**/resource/**',
        '**/issuers/**',
      ],
      message: 'src/shared/ is the bottom of src/: it imports nothing else of src/.',
    },
  ],
  resource: [
    {
      group: ['**/route-chain/**', '**/users/**', '**/authorizer/**', '**/issuers/**'],
      message:
        'src/resource/ knows no HTTP and no token: it throws its domain errors (errors.ts), never imports either layer or src/issuers/.',
    },
  ],
};

// The files of each group of IMPORT_RULES, in the order their config blocks apply (for a file in
// two groups, the later block wins).
const GROUP_FILES = {
  src: ['src/**'],
  authorizer: ['src/authorizer/**'],
  layer2: ['src/route-chain/**', 'src/users/**'],
  issuers: ['src/issuers/**'],
  shared: ['src/shared/**'],
  resource: ['src/resource/**'],
};
const layerPatterns = (group) => [
  ...IMPORT_RULES.src,
  ...(group === 'src' ? [] : IMPORT_RULES[group]),
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.serverless/',
      '.esbuild/',
      '.local/',
      'coverage/',
      'src/generated/',
      'test/client/api.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Functions read their environment once, at cold start, through src/shared/cold-start.ts.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in a config module.' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  // Imports run one way: one block per group of GROUP_FILES, naming what its files may not
  // import; the messages are what test/unit/import-direction.test.ts expects.
  ...Object.entries(GROUP_FILES).map(([group, files]) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: layerPatterns(group) }] },
  })),
  {
    // Build tools, the local stack and tests are not Lambda functions.
    files: ['tools/**', 'local/**', 'test/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
