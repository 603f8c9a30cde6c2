// Builds the optional native addon (binding.gyp) at install time. It never fails the install:
// without the addon Gatehouse runs on Node's own sockets, and `gatehouse start` logs what that
// costs (one DNS thread, no SO_ORIGINAL_DST). GATEHOUSE_NATIVE=0 skips the build.
import { spawnSync } from 'node:child_process';

if (process.platform !== 'linux' || process.env.GATEHOUSE_NATIVE === '0') {
  console.log('gatehouse: native addon skipped (Linux only; GATEHOUSE_NATIVE=0 skips it)');
  process.exit(0);
}
const built = spawnSync('node-gyp', ['rebuild'], { stdio: 'inherit' });
if (built.status !== 0) {
  console.warn(
    `gatehouse: native addon NOT built (node-gyp ${built.error ? built.error.message : `exit ${built.status}`}); ` +
      'the gateway runs without SO_REUSEPORT workers, UDP batching and SO_ORIGINAL_DST',
  );
}
