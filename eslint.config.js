import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    // Build tools, the local stack and tests are not Lambda functions.
    files: ['tools/**', 'local/**', 'test/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
