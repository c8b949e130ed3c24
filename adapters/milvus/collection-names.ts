/** Milvus names allow letters, digits and underscores: a model name becomes its lower-case run of those. */
function nameSafe(model: string): string {
  return model.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

/** The alias searches go through; it always points at one concrete, versioned chunk collection. */
export function liveAlias(prefix: string): string {
  return `${prefix}_chunks`;
}

/** Version `version` of the chunk collection, embedded with `model` (0: the first; a re-embed: its row id). */
export function versionedCollection(prefix: string, model: string, version: number): string {
  return `${prefix}_chunks_${nameSafe(model)}_v${version}`;
}

/** Long-term memories of every tenant, embedded with `model`, partitioned by tenant (schema 2). */
export function memoryCollection(prefix: string, model: string): string {
  return `${prefix}_memory_${nameSafe(model)}_v2`;
}

/** Where memories lived before schema 2; moved to {@link memoryCollection} on first use. */
export function legacyMemoryCollection(prefix: string, model: string): string {
  return `${prefix}_memory_${nameSafe(model)}`;
}
