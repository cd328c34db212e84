#!/usr/bin/env node
// The installed command runs the compiled CLI.
import { run } from '../dist/cli/main.js';

process.exitCode = await run(process.argv.slice(2));
