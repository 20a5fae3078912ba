import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------
// The import direction of DESIGN §2, enforced: shared/ imports neither server/ nor agent/;
// server/ and agent/ never import each other; server/flotctl/ (a program of its own) imports
// only shared/ and itself (and the hub does not import it); each I/O library is imported from one
// folder. Tests may import anything.

/** I/O library → the only folders (globs) that may import it. */
const LIBRARY_HOMES = {
  aedes: ['server/broker/**'],
  'nedb-promises': ['agent/state/**'],
  dockerode: ['agent/engine/**'],
  systeminformation: ['agent/conditions/**'],
  mqtt: ['server/link/**', 'agent/link/**'],
  tweetnacl: ['shared/crypto/**'],
  esbuild: ['server/dashboard/build-ui.ts'],
};

const TOP_RULES = {
  shared: [{ regex: '^(\\.\\./)+(server|agent)/', message: 'shared/ imports neither server/ nor agent/ (DESIGN §2).' }],
  server: [
    { regex: '^(\\.\\./)+agent/', message: 'server/ and agent/ never import each other (DESIGN §2).' },
    { regex: '^(\\./|(\\.\\./)+)flotctl/', message: 'server/flotctl/ is a program of its own; the hub does not import it (DESIGN §2).' },
  ],
  agent: [{ regex: '^(\\.\\./)+server/', message: 'server/ and agent/ never import each other (DESIGN §2).' }],
};

/** For files `depth` folders below server/flotctl/: any relative import that leaves flotctl for anything but shared/. */
function flotctlRule(depth) {
  const up = '\\.\\./'.repeat(depth + 1);
  return { regex: `^${up}(?!\\.\\./shared/)`, message: 'server/flotctl/ is a program of its own: it imports only shared/ and itself (DESIGN §2).' };
}

/** One files-block per zone; a later block replaces the rule's options of an earlier one, so each lists all that apply. */
function importRules(top, files, { allow = [], extra = [] } = {}) {
  const libraries = Object.entries(LIBRARY_HOMES)
    .filter(([lib]) => !allow.includes(lib))
    .map(([lib, homes]) => ({ group: [lib, `${lib}/*`], message: `${lib} is imported only in ${homes.join(', ')} (DESIGN §2).` }));
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: [...TOP_RULES[top], ...extra, ...libraries] }] } };
}

const zones = [];
for (const top of ['shared', 'server', 'agent']) {
  zones.push(importRules(top, [`${top}/**/*.ts`]));
  for (const [lib, homes] of Object.entries(LIBRARY_HOMES)) {
    for (const home of homes.filter((h) => h.startsWith(`${top}/`))) {
      zones.push(importRules(top, [home.endsWith('.ts') ? home : `${home}/*.ts`], { allow: [lib] }));
    }
  }
}
for (const depth of [0, 1, 2, 3]) {
  zones.push(importRules('server', [`server/flotctl/${'*/'.repeat(depth)}*.ts`], { extra: [flotctlRule(depth)] }));
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/reporter.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      'no-console': 'off',
    },
  },
  ...zones,
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
