// A password-hashing thread: scrypt, synchronously (this thread has nothing else to do), at a lower CPU
// priority (nice 10), so that when the event loop's thread and a hash both want a core, the event loop goes
// first. Not the lowest (19): on a saturated machine logins would then wait seconds; at 10 they still get
// about a tenth of a core's share.
// Plain JavaScript: worker threads do not inherit the tsx loader of the thread that starts them.
import { scryptSync } from 'node:crypto';
import { constants, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';

// On Linux the nice value belongs to each thread and pid 0 names the calling one; elsewhere it would lower
// the whole process, so it is left alone there.
if (process.platform === 'linux') setPriority(0, constants.priority.PRIORITY_BELOW_NORMAL);

parentPort.on('message', ({ password, salt, keyLength, options }) => {
  try {
    parentPort.postMessage({ hash: scryptSync(password, salt, keyLength, options) });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
