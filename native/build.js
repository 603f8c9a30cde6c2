// Builds the optional native addon (binding.gyp) at install time. It never fails the install:
// without the addon Gatehouse runs on Node's own sockets, and `gatehouse start` logs what that
// costs (one DNS thread, no SO_ORIGINAL_DST). GATEHOUSE_NATIVE=0 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

if (process.platform !== 'linux' || process.env.GATEHOUSE_NATIVE === '0') {
  console.log('gatehouse: native addon skipped (Linux only; GATEHOUSE_NATIVE=0 skips it)');
  process.exit(0);
}
// Node's own headers beside its binary (Debian's nodejs: /usr/include/node), so node-gyp never
// tries to download them (there may be no internet); an npm `nodedir` setting wins.
const prefix = dirname(dirname(process.execPath));
const args = ['rebuild'];
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
const built = spawnSync('node-gyp', args, { stdio: 'inherit' });
if (built.status !== 0) {
  console.warn(
    `gatehouse: native addon NOT built (node-gyp ${built.error ? built.error.message : `exit ${built.status}`}); ` +
      'the gateway runs without SO_REUSEPORT workers, UDP batching and SO_ORIGINAL_DST',
  );
}
