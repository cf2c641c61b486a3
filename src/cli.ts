#!/usr/bin/env node
// The `digestql` executable (package.json "bin", Dockerfile, README: dist/src/cli.js); the commands are in src/cli/.
import { run } from './cli/index';

run(process.argv.slice(2));
