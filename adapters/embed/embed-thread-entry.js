// Entry file of an embedding worker thread. A thread starts without the parent's require hooks, so it
// registers tsx itself (as bin/memflow.js does) before loading the TypeScript module. Plain CommonJS:
// nothing can load TypeScript before this file runs.
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports */
require('tsx/cjs');
require('./embed-thread.ts');
