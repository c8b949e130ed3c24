import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Pool } from 'pg';

/**
 * PostgreSQL going away for one database only, so a test run's other databases are untouched:
 * new connections are refused (`ALLOW_CONNECTIONS false` binds superusers too) and every open one
 * is terminated, as a restart or failover does. The admin pool must live in another database.
 */
export interface PostgresOutage {
  /** Refuses new connections to the database and ends its open ones. */
  begin(): Promise<void>;
  /** Accepts connections again. */
  end(): Promise<void>;
  /** True between `begin()` and `end()`. */
  readonly active: boolean;
}

export function postgresOutage(admin: Pool, database: string): PostgresOutage {
  const quoted = `"${database.replace(/"/g, '""')}"`;
  let active = false;
  return {
    get active() {
      return active;
    },
    async begin() {
      await admin.query(`ALTER DATABASE ${quoted} ALLOW_CONNECTIONS false`);
      active = true;
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
    },
    async end() {
      await admin.query(`ALTER DATABASE ${quoted} ALLOW_CONNECTIONS true`);
      active = false;
    },
  };
}

/** One activity execution the trigger saw: its type and attempt, and whether PostgreSQL was down then. */
export interface ObservedAttempt {
  activityType: string;
  attempt: number;
  duringOutage: boolean;
}

/**
 * Starts an outage at the exact moment a chosen activity first starts (before it runs), so a test
 * can put PostgreSQL down inside one step of a workflow instead of hoping a timer lands there. The
 * outage lasts `durationMs`; `attempts` records every execution of a type once it was armed.
 */
export class OutageTrigger {
  readonly attempts: ObservedAttempt[] = [];
  private armed = new Set<string>();
  private watched = new Set<string>();
  private ending: Promise<void> | undefined;

  constructor(
    private readonly outage: PostgresOutage,
    private readonly durationMs: number,
  ) {}

  /** The next execution of `activityType` starts with PostgreSQL down. */
  arm(activityType: string): void {
    this.armed.add(activityType);
    this.watched.add(activityType);
  }

  /** Resolves once the outage the trigger started is over (at once if none is running). */
  async settled(): Promise<void> {
    await this.ending;
  }

  readonly interceptor: ActivityInterceptorsFactory = (ctx) => {
    const inbound: ActivityInboundCallsInterceptor = {
      execute: async (input, next) => {
        const { activityType, attempt } = ctx.info;
        if (this.armed.delete(activityType)) {
          await this.outage.begin();
          this.ending = new Promise<void>((resolve, reject) =>
            setTimeout(() => this.outage.end().then(resolve, reject), this.durationMs),
          );
        }
        if (this.watched.has(activityType))
          this.attempts.push({ activityType, attempt, duringOutage: this.outage.active });
        return next(input);
      },
    };
    return { inbound };
  };

  /** The executions of one activity type, in order. */
  of(activityType: string): ObservedAttempt[] {
    return this.attempts.filter((a) => a.activityType === activityType);
  }
}
