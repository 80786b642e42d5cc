import { ConfigError, loadConfig } from "./config";
import { backendNotice } from "./stacks/backend";
import { synthesizeApp } from "./stacks/synth-output";

try {
  // The configuration is validated in full before any construct exists: a bad setting writes nothing.
  const config = loadConfig();
  // A notice, not an error: on stdout, so `cdktf synth` does not label it [ERROR].
  const notice = backendNotice(config.backend, config.environment);
  if (notice) console.log(notice);
  const { removedStacks } = synthesizeApp(config);
  if (removedStacks.length > 0) console.log(`Removed stack folders this configuration no longer has: ${removedStacks.join(", ")}`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
