#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx memflow …` works from a fresh `npm ci` with no build step.
require('tsx/cjs');
require('../cli/main.ts');
