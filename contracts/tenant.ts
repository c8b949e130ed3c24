import { z } from 'zod';

/** Tenants are identifiers, never free text: 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit. */
export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export const tenantSchema = z
  .string()
  .regex(TENANT_PATTERN, 'a tenant is 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');
