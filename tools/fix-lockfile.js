#!/usr/bin/env node
// The npm registry reachable from our machines serves only the Linux builds of
// platform-specific optional packages (darwin/win32/... builds answer 404), so npm
// leaves them out of package-lock.json and `npm ci` then refuses the lockfile as
// "out of sync". This records each missing optional platform package with its os/cpu
// constraints, exactly as npm does when it can see them, so `npm ci` skips them on
// this platform. Run after every `npm install` (tools/npm-install.sh does).
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const pkgs = lock.packages;

const OS = ['darwin', 'win32', 'linux', 'freebsd', 'openbsd', 'netbsd', 'android', 'sunos', 'aix', 'openharmony', 'wasm32', 'wasi'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'loong64', 'riscv64', 'mips64el', 'universal'];

function platformOf(name) {
  const base = name.split('/').pop();
  const parts = base.split('-');
  const os = parts.find((p) => OS.includes(p)) ?? (base.includes('win32') ? 'win32' : undefined);
  let cpu = parts.find((p) => CPU.includes(p));
  if (!cpu && /gnueabihf|armv7|arm-/.test(base)) cpu = 'arm';
  if (!os) return undefined;
  const entry = { os: [os === 'wasm32' || os === 'wasi' ? '!linux' : os] };
  if (cpu && cpu !== 'universal') entry.cpu = [cpu];
  if (os === 'linux' && /musl/.test(base)) entry.libc = ['musl'];
  else if (os === 'linux' && /gnu/.test(base)) entry.libc = ['glibc'];
  return entry;
}

let added = 0;
for (const [loc, meta] of Object.entries(pkgs)) {
  const opt = meta.optionalDependencies;
  if (!opt) continue;
  const parentDir = loc === '' ? '' : loc + '/';
  for (const [dep, range] of Object.entries(opt)) {
    // resolution walks up node_modules folders like node does
    let found = false;
    let dir = parentDir;
    while (true) {
      if (pkgs[`${dir}node_modules/${dep}`]) { found = true; break; }
      if (!dir) break;
      const idx = dir.lastIndexOf('node_modules/');
      dir = idx <= 0 ? '' : dir.slice(0, idx);
    }
    if (found) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    const version = String(range).replace(/^[\^~=v]/, '');
    pkgs[`node_modules/${dep}`] = { version, optional: true, ...platform };
    added++;
  }
}

// keep keys sorted the way npm writes them
const sorted = {};
for (const k of Object.keys(pkgs).sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))) sorted[k] = pkgs[k];
lock.packages = sorted;
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`fix-lockfile: recorded ${added} optional platform package(s) the registry does not serve`);
