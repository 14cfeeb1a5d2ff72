#!/usr/bin/env node
// The `tkn-events` command (and `tkn events`, as a Tekton CLI plugin). The CLI is TypeScript:
// tsx (a runtime dependency) compiles it on load, so it runs from a fresh `npm install` with no
// build step. Node resolves this file's real path, so tsx is found next to it even when the
// command is a symlink on PATH (npm link, npm install -g).
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('./main.ts', import.meta.url);
await main(process.argv);
