#!/usr/bin/env node
require('./register');
require('../apps/cli/src/main.ts');
