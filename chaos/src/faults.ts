/** What the harness did to the system under test, and which worker processes ended abruptly. */

/** A fault injected by the harness at a known moment. */
export interface Fault {
  /** `kill`: SIGKILL of a worker; `restart`: broker server killed and started again; `stall`: proxy paused; `cut`: proxy connections destroyed. */
  kind: 'kill' | 'restart' | 'stall' | 'cut';
  /** Milliseconds since the epoch when the fault began. */
  at: number;
  /** When the fault ended (server answering again, proxy resumed), if it lasts. */
  until?: number;
  /** Worker process killed, for `kill`. */
  pid?: number;
  /** Human-readable, e.g. `SIGKILL worker 1 (pid 1234)`. */
  label: string;
}

/** A worker process that ended without being asked to: killed by the harness, or died by itself (poison). */
export interface Death {
  pid: number;
  at: number;
  cause: 'killed by harness' | 'died';
}
