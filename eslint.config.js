import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The benchmark's worker thread is plain JavaScript run by Node itself.
    files: ['bench/*.mjs', 'cli/*.mjs'],
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
  },
  {
    // Plain CommonJS loaded by tools that cannot load TypeScript (Serverless Framework plugins, node --require).
    files: ['deploy/serverless/*.cjs', 'test/deploy/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['bench/*.mjs', 'cli/*.mjs', 'deploy/serverless/*.cjs', 'test/deploy/*.cjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An un-awaited pg call is a bug: its error is lost and the transaction moves on.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
