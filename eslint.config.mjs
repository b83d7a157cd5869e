// ESLint flat config: Next.js's rules (eslint-config-next: core web vitals, React, hooks, a11y, imports) and
// typescript-eslint's recommended rules. `npm run lint`; CI runs it before the tests.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlatCompat } from '@eslint/eslintrc';
import tseslint from 'typescript-eslint';

const compat = new FlatCompat({ baseDirectory: dirname(fileURLToPath(import.meta.url)) });

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.next/**',
      'lib/db/generated/**',
      'data/**',
      'models/**',
      'e2e/.data/**',
      'e2e/.webcam/**',
      'test-results/**',
      'playwright-report/**',
      '.ci-reports/**',
      'next-env.d.ts',
    ],
  },
  ...compat.extends('next/core-web-vitals'),
  ...tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks an intentionally unused binding (e.g. a rest-destructured field left out).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Every image the app shows comes from its own session-protected routes (/api/photos/…, /api/faces/…),
      // already resized and served with private immutable caching. next/image would route them through the
      // image optimizer, which fetches without the user's session and caches them for everyone.
      '@next/next/no-img-element': 'off',
    },
  },
  {
    // CommonJS files (the `node --require` preload for next start) can only load modules with require().
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
