// Type-aware lint: a daemon must not drop a rejected promise. `weft/boundaries` enforces the
// layering (scripts/lint/boundaries.ts).
import tseslint from 'typescript-eslint';
import { boundariesRule } from './scripts/lint/boundaries.ts';

const weft = { rules: { boundaries: boundariesRule(import.meta.dirname) } };

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { weft },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'weft/boundaries': 'error',
    },
  },
);
