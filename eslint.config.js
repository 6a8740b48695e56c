// Type-aware lint: a daemon must not drop a rejected promise. `weft/boundaries` enforces the
// layering (scripts/lint/boundaries.ts). node:http is never imported as a value (below).
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
  {
    // The daemon's own code (tests, benches and scripts may import it as they like).
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      // An ESM import of node:http reads every export, and its lazy WebSocket getter loads Node's
      // bundled undici (+2.3 MiB heap, ~13 MiB RSS, docs/memory.md): take it from
      // process.getBuiltinModule('node:http') instead. Type imports cost nothing.
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [{ name: 'node:http', message: "use process.getBuiltinModule('node:http') (docs/memory.md)", allowTypeImports: true }] }],
    },
  },
);
