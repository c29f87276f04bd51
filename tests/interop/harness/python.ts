/**
 * The interop harness's Python side, in one import: available Celery versions, workers, the client.
 * @example
 * import { pythonCeleryVersions, startPythonWorker, runPythonClient } from './harness/python.js';
 */
export {
  PYTHON_CELERY_VERSIONS,
  PY_APP_DIR,
  CHROOT_APP_DIR,
  chrootDir,
  isAvailable,
  pythonCeleryStatus,
  pythonCeleryVersions,
  pythonEnv,
  pythonRuntime,
} from './python-runtime.js';
export type { PythonCeleryVersion, PythonRuntime, UnavailableRuntime } from './python-runtime.js';
export { startPythonWorker } from './python-worker.js';
export type { ExitInfo, PythonWorker, PythonWorkerOptions, WaitForLogOptions } from './python-worker.js';
export { runPythonClient, sendFromPython } from './python-client.js';
export type { PythonClientResult, PythonSendOptions, RunPythonClientOptions } from './python-client.js';
export { groupMembers, killAllTracked } from './processes.js';
