#!/usr/bin/env node
// Entry point of the `duro` bin (bundled to dist/cli.mjs by `npm run build:cli`).
import { runCli } from './cli';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
});
