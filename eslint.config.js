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
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['bench/*.mjs', 'cli/*.mjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An un-awaited pg call is a bug: its error is lost and the transaction moves on.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
