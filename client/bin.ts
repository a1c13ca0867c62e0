#!/usr/bin/env node
// Entry point of the `duro` bin (bundled to dist/cli.js by `npm run build`).
import { runCli } from './cli';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
});
