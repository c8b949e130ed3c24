import type { MemflowConfig } from '../config/config';
import { migrate } from '../adapters/postgres/migrate';
import { ensureDatabase } from '../adapters/postgres/ensure-database';
import { createPool } from '../adapters/postgres/pool';
import { formatStatus, stackDown, stackStatus, stackUp } from '../devstack/stack';
import type { CliContext } from './main';

export async function stackCommand(config: MemflowConfig, args: string[], ctx: CliContext): Promise<number> {
  const [sub] = args;
  switch (sub) {
    case 'up': {
      const status = await stackUp(config, ctx.log);
      ctx.print(ctx.json ? JSON.stringify(status, null, 2) : formatStatus(status));
      return 0;
    }
    case 'down':
      await stackDown(config, ctx.log);
      return 0;
    case 'status': {
      const status = await stackStatus(config);
      ctx.print(ctx.json ? JSON.stringify(status, null, 2) : formatStatus(status));
      return status.services.some((s) => s.state === 'unhealthy') ? 1 : 0;
    }
    default:
      ctx.log('Usage: memflow stack up|down|status [--json]');
      return 2;
  }
}

export async function migrateCommand(config: MemflowConfig, ctx: CliContext): Promise<number> {
  await ensureDatabase(config.postgres.url);
  const pool = createPool(config.postgres.url, 2);
  try {
    const result = await migrate(pool, config.paths.migrations);
    ctx.print(
      ctx.json
        ? JSON.stringify(result)
        : `applied: ${result.applied.join(', ') || 'none'}; already applied: ${result.alreadyApplied.length}`,
    );
    return 0;
  } finally {
    await pool.end();
  }
}
