import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'scratch/', 'src/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config/env.ts.' }],
    },
  },
  {
    // The env module is the one reader of process.env; tests and benches set up their own environment.
    files: ['src/config/env.ts', 'tests/**', 'bench/**', 'drizzle.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // One operation core, thin adapters: only the transport adapters (src/server/) and the composition root
    // know about transports. Everything else (modules, realtime, the core in src/graphql/) stays transport-free.
    files: ['src/**/*.ts'],
    ignores: ['src/server/**', 'src/main.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.{1,2}/(.*/)?server(/|$)', message: 'Only the adapters in src/server/ and src/main.ts import src/server/.' }] }],
    },
  },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { globals: { module: 'writable', require: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
