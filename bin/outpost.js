#!/usr/bin/env node
// Runs the built CLI (npm run build); `npm run check-config -- FILE` works from source too.
import('../dist/src/cli/main.js');
