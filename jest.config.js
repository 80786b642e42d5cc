// Three tiers, all run by `npm test`:
// - "unit": in-process and fast (handlers, stacks' JSON, config, rules, scripts);
// - "integration": whole synths in fresh folders, compared byte for byte, and the workflows' steps run
//   offline in fresh copies of the project (child processes);
// - "terraform": the real terraform validate + plan on every synthesized stack.
const transform = {
  "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
};

const tier = (displayName, testMatch, testPathIgnorePatterns = ["/node_modules/"]) => ({
  displayName,
  testEnvironment: "node",
  transform,
  testMatch,
  testPathIgnorePatterns,
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  // Stryker's sandbox (npm run test:mutation) is a copy of the project: not a second package to index.
  modulePathIgnorePatterns: ["<rootDir>/.stryker-tmp/"],
});

module.exports = {
  // jest's default is one worker on a 2-core machine; two halve the unit tier's wall time there.
  maxWorkers: "100%",
  projects: [
    tier("unit", ["<rootDir>/__tests__/**/*.test.ts"], ["/node_modules/", "<rootDir>/__tests__/terraform/", "<rootDir>/__tests__/integration/"]),
    tier("integration", ["<rootDir>/__tests__/integration/**/*.test.ts"]),
    tier("terraform", ["<rootDir>/__tests__/terraform/**/*.test.ts"]),
  ],
};
