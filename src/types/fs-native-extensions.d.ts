// The part of fs-native-extensions (an OS file lock: fcntl on Linux, flock on macOS, LockFileEx on Windows)
// that Gather uses; the package ships no types.
declare module 'fs-native-extensions' {
  /** An exclusive lock on the open file `fd`: true when granted, false when another holder has it. */
  export function tryLock(fd: number): boolean;
  export function unlock(fd: number): void;
}
