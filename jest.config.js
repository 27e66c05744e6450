// Two projects: unit specs beside the code (no infrastructure), and end-to-end
// suites in test/ over the real Kafka broker, PostgreSQL and the emulator.
const moduleNameMapper = {
  '^@app/(auth|config|contracts|database|health|http|ltiaas|messaging|observability)$': '<rootDir>/libs/$1/src',
};
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }],
};
const common = { rootDir: __dirname, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'], moduleNameMapper, transform };

module.exports = {
  // End-to-end tests wait on real brokers and databases; type-checking is `npm run typecheck`.
  testTimeout: 180000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
