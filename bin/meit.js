#!/usr/bin/env node
// The `meit` command. The kit is written in TypeScript and runs without a build step:
// tsx compiles each module on import.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
