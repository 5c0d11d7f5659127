#!/usr/bin/env node
/** `tierzero-cli`: zerotier-cli's exact habits (see zerotier-cli.ts), as a command of its own. */
import { runZerotierCli } from './zerotier-cli.js';

process.exit(await runZerotierCli(process.argv.slice(2), 'tierzero-cli'));
