// Two projects: unit specs beside the code (no infrastructure), and end-to-end
// suites in test/ over the real Kafka broker, PostgreSQL and the emulator.
const moduleNameMapper = {
  '^@app/(async|auth|config|contracts|database|health|http|ltiaas|messaging|observability)$': '<rootDir>/libs/$1/src',
};
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }],
  // jose 6 and content-disposition 3 (under @fastify/static, which Swagger UI loads) ship ESM only;
  // Jest's CommonJS runtime loads them once compiled to CommonJS.
  '^.+/node_modules/(jose|content-disposition)/.+\\.js$': ['ts-jest', { isolatedModules: true, diagnostics: false, tsconfig: { allowJs: true } }],
};
const transformIgnorePatterns = ['/node_modules/(?!(jose|content-disposition)/)'];
const common = { rootDir: __dirname, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'], moduleNameMapper, transform, transformIgnorePatterns };

module.exports = {
  // End-to-end tests wait on real brokers and databases; type-checking is `npm run typecheck`.
  testTimeout: 180000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts', '<rootDir>/test/deploy/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
