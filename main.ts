import { loadConfig } from "./config";
import { backendNotice } from "./stacks/backend";
import { buildApp } from "./stacks/app";

// The configuration is validated in full before any construct exists: a bad setting writes nothing.
const config = loadConfig();
const notice = backendNotice(config.backend, config.environment);
if (notice) console.error(notice);
buildApp(config).synth();
