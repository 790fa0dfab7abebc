import type { EntityMetadata, ObjectLiteral } from 'typeorm';

/**
 * Default JSON of an entity: every column by property name (embedded columns nested, a relation's
 * join column as the related primary key when loaded), the parallel of the Python connector's
 * "every concrete field". Values left undefined (not loaded) are left out.
 */
export function columnsToJson(metadata: EntityMetadata, entity: ObjectLiteral): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const column of metadata.columns) {
    const value = column.getEntityValue(entity); // a join column gives the related row's key
    if (value === undefined) continue;
    // Not propertyPath: for a join column that is "owner.id", and the value is already the id.
    const path = [...(column.embeddedMetadata?.parentPropertyNames ?? []), column.propertyName];
    let target = data;
    for (const key of path.slice(0, -1)) {
      target = (target[key] ??= {}) as Record<string, unknown>;
    }
    target[path[path.length - 1]] = value;
  }
  return data;
}

/**
 * A full entity instance from what an event carries: TypeORM hands subscribers whatever was passed
 * to save()/insert() (possibly a partial plain object), so lay it over the row as stored.
 */
export function mergedEntity(metadata: EntityMetadata, ...layers: Array<ObjectLiteral | undefined>): ObjectLiteral {
  const entity = metadata.create() as ObjectLiteral;
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) entity[key] = value;
    }
  }
  return entity;
}

/**
 * A detached JSON copy taken now: deltas are sent after commit, and by then the entity object may
 * have changed (or, after remove, lost its id). Also what an in-process publisher must see: plain JSON.
 */
export function jsonSnapshot(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}
