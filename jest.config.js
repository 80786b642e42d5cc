// Two tiers: "unit" (fast, in-process) and "terraform" (runs the real terraform on synthesized stacks).
const transform = {
  "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
};

module.exports = {
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/__tests__/terraform/"],
      setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
    },
    {
      displayName: "terraform",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/__tests__/terraform/**/*.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
    },
  ],
};
