import { ConfigError, loadConfig } from "./config";
import { backendNotice } from "./stacks/backend";
import { buildApp } from "./stacks/app";

try {
  // The configuration is validated in full before any construct exists: a bad setting writes nothing.
  const config = loadConfig();
  const notice = backendNotice(config.backend, config.environment);
  if (notice) console.error(notice);
  buildApp(config).synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
