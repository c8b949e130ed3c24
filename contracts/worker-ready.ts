/** The line a worker process prints once it polls its task queue; supervisors wait for it. */
export const WORKER_READY_LINE = 'memflow worker polling';
