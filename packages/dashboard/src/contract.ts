/** The dashboard's HTTP contract, defined once in `@celerity/dashboard-ui/contract` (the page reads the same shapes). */
export { ACTIONS } from '@celerity/dashboard-ui/contract';
export type { ActionName, CanvasNode, Overview, Queue, Series, Session, TaskDetail, TaskEventEntry, TaskSummary, Worker } from '@celerity/dashboard-ui/contract';
