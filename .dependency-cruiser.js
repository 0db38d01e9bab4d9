// Architecture boundaries, checked on every test run (npm run lint:boundaries).
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'A domain/ folder holds deciders and events only: no Nest, no drivers, no node: I/O, no API or adapters.',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/domain/' },
      to: {
        path: [
          '^node_modules/(@nestjs|better-sqlite3|kafkajs|mongodb|@eventstore|express|class-validator|class-transformer)/',
          '^libs/[^/]+/src/(api|projections|sqlite|mongodb|eventstoredb|kafka|embedded|reactor)/',
          '^libs/(platform|composition|transport|read-store|event-store|sqlite|threads)/',
        ],
        dependencyTypes: ['npm', 'npm-dev', 'local', 'aliased-tsconfig', 'aliased', 'aliased-tsconfig-paths'],
      },
    },
    {
      name: 'domain-no-node-io',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/domain/', pathNot: '\\.spec\\.ts$' },
      to: { dependencyTypes: ['core'], pathNot: '^(util)$' },
    },
    {
      name: 'projections-are-pure',
      comment: 'Projections are pure functions: no drivers, no Nest.',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/projections/' },
      to: { path: '^node_modules/(@nestjs|better-sqlite3|kafkajs|mongodb|@eventstore)/' },
    },
    {
      name: 'money-is-pure',
      comment: 'libs/money is a neutral, pure lib every domain may import: only its validation/ folder may use class-validator.',
      severity: 'error',
      from: { path: '^libs/money/src/', pathNot: '^libs/money/src/validation/' },
      to: {
        path: ['^node_modules/', '^libs/(?!money/)'],
        dependencyTypes: ['npm', 'npm-dev', 'local', 'aliased-tsconfig', 'aliased', 'aliased-tsconfig-paths', 'core'],
      },
    },
    {
      name: 'libs-do-not-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '(^dist/|^apps/console/)' },
  },
};
