/** Worker child for the latency rows: Celerity's worker (defaults otherwise) running `tasks.add_stamped`. */
import { runCelerityWorkerChild } from './celerity-child.js';
import { addStamped } from './latency-tasks.js';

runCelerityWorkerChild({ tasks: [addStamped] });
