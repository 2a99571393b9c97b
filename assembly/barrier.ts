// The rendezvous of a threaded step: the coordinating thread publishes a command and a new
// generation, every worker runs its share and counts itself out; the coordinator runs its own
// share meanwhile and then waits for the count to reach zero. Waiting spins briefly first (a
// step's phases last micro- to milliseconds, a futex wake-up tens of microseconds), then sleeps.
// Needs the threads feature: only the threaded build (assembly/index-threads.ts) imports it.

/** Byte offsets of the control block's i32 fields. */
export const GEN = 0; // generation: bumped once per command
export const PENDING = 4; // workers still running the current command
export const COMMAND = 8; // what to run (see parallel-train.ts), QUIT to return
export const FAILED = 20; // set by a worker's host when its share threw (src/engine/wasm-threads.ts)
export const QUIT = -1;

/** Polls before sleeping: about 10–50 µs of spinning. */
const SPINS = 4000;

/** Coordinator: publishes `command` for the `workers` workers and wakes them. */
export function release(ctl: usize, workers: i32, command: i32): void {
  atomic.store<i32>(ctl + PENDING, workers);
  atomic.store<i32>(ctl + COMMAND, command);
  atomic.add<i32>(ctl + GEN, 1);
  atomic.notify(ctl + GEN, workers);
}

/** Coordinator: returns once every worker has finished the current command; false if one of them failed. */
export function awaitWorkers(ctl: usize): bool {
  let spins = 0;
  let p = atomic.load<i32>(ctl + PENDING);
  while (p != 0) {
    if (spins < SPINS) spins++;
    else atomic.wait<i32>(ctl + PENDING, p, -1);
    p = atomic.load<i32>(ctl + PENDING);
  }
  return atomic.load<i32>(ctl + FAILED) == 0;
}

/** Worker: waits for a generation other than `seen` and returns it. */
export function awaitCommand(ctl: usize, seen: i32): i32 {
  let spins = 0;
  let g = atomic.load<i32>(ctl + GEN);
  while (g == seen) {
    if (spins < SPINS) spins++;
    else atomic.wait<i32>(ctl + GEN, seen, -1);
    g = atomic.load<i32>(ctl + GEN);
  }
  return g;
}

/** Worker: counts itself out of the current command, waking the coordinator if it was the last. */
export function finished(ctl: usize): void {
  if (atomic.sub<i32>(ctl + PENDING, 1) == 1) atomic.notify(ctl + PENDING, 1);
}

/** Where every control block keeps its thread count, the coordinator included (i32). */
export const THREADS = 12;

/**
 * What a thread runs of a published command: its share `j` (0 the coordinator) of `command`. A
 * plain function, not a closure: the coordinator and every worker call the same one.
 */
export type Share = (ctl: usize, j: i32, command: i32) => void;

/** Coordinator: publishes `command`, runs its own share of it and waits for the workers' shares; false if one of them failed. */
export function runShares(ctl: usize, command: i32, share: Share): bool {
  const workers = load<i32>(ctl + THREADS) - 1;
  if (workers > 0) release(ctl, workers, command);
  share(ctl, 0, command);
  return workers > 0 ? awaitWorkers(ctl) : true;
}

/** A worker's whole life: its share of each published command until QUIT. */
export function serve(ctl: usize, j: i32, share: Share): void {
  // the generation before the first command (a worker may start after it was published)
  let seen = 0;
  for (;;) {
    seen = awaitCommand(ctl, seen);
    const command = atomic.load<i32>(ctl + COMMAND);
    if (command == QUIT) return;
    share(ctl, j, command);
    finished(ctl);
  }
}

/** Coordinator: tells the workers to return. */
export function stopWorkers(ctl: usize): void {
  const workers = load<i32>(ctl + THREADS) - 1;
  if (workers > 0) release(ctl, workers, QUIT);
}
