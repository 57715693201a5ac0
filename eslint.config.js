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
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Handlers read configuration once through their config module, never process.env ad hoc.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in a config module.' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: [
      'src/**/config.ts',
      'src/tools/**',
      'src/local/**',
      'test/**',
      'src/authorizer/handler.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
);
